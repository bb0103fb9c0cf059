namespace Typed.Processes;

/// <summary>One case of a select: a receive from, or a send to, a channel.</summary>
public readonly struct SelectCase
{
    internal SelectCase(ProcessChannel channel, bool isSend, object? value)
    {
        Channel = channel;
        IsSend = isSend;
        Value = value;
    }

    internal ProcessChannel? Channel { get; }

    internal bool IsSend { get; }

    internal object? Value { get; }
}
