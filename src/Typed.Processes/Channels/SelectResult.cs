namespace Typed.Processes;

/// <summary>The case a select committed.</summary>
public readonly struct SelectResult
{
    internal SelectResult(int index, ProcessChannel? channel, object? value, bool ok, bool isDefault)
    {
        Index = index;
        Channel = channel;
        Value = ok && channel is not null ? channel.Taken(value) : value; // built where process code takes it
        Ok = ok;
        IsDefault = isDefault;
    }

    /// <summary>Index of the case in the select's argument list; -1 for the default (nothing ready).</summary>
    public int Index { get; }

    /// <summary>The channel of the committed case; null for the default.</summary>
    public ProcessChannel? Channel { get; }

    /// <summary>The value received (receive cases).</summary>
    public object? Value { get; }

    /// <summary>False if the case's channel was closed.</summary>
    public bool Ok { get; }

    /// <summary>True if a non-blocking select found nothing ready.</summary>
    public bool IsDefault { get; }

    /// <summary>True if the committed case is a receive from <paramref name="channel"/>; gives the value.</summary>
    public bool Is<T>(ProcessChannel<T> channel, out T value)
    {
        if (ReferenceEquals(Channel, channel) && Ok)
        {
            value = (T)Value!;
            return true;
        }
        value = default!;
        return false;
    }
}
