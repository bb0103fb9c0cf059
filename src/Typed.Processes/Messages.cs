namespace Typed.Processes;

/// <summary>A message as a receiver sees it in full: sender, topic and payload.</summary>
public sealed class Message
{
    /// <summary>Creates a message.</summary>
    public Message(Pid? from, string topic, object? payload)
    {
        From = from;
        Topic = topic ?? throw new ArgumentNullException(nameof(topic));
        Payload = payload;
    }

    /// <summary>The sender; null when sent from outside any process.</summary>
    public Pid? From { get; }

    /// <summary>The topic it was sent to.</summary>
    public string Topic { get; }

    /// <summary>The payload (immutable or a copy).</summary>
    public object? Payload { get; }

    /// <summary>The payload as <typeparamref name="T"/>; throws <see cref="InvalidCastException"/> with the types named.</summary>
    public T PayloadAs<T>() => Payload is T t ? t
        : Payload is null && default(T) is null ? default!
        : throw new InvalidCastException($"payload of topic '{Topic}' is {Payload?.GetType().Name ?? "null"}, not {typeof(T).Name}");

    /// <inheritdoc />
    public override string ToString() => $"{Topic} from {From?.ToString() ?? "outside"}: {Payload}";
}

/// <summary>The kinds of process events.</summary>
public enum ProcessEventKind
{
    /// <summary>A monitored process ended (<c>pid.exit</c>).</summary>
    Exit,
    /// <summary>A linked process ended with an error and this process traps links (<c>pid.link.down</c>).</summary>
    LinkDown,
    /// <summary>Someone asked this process to stop by a deadline (<c>pid.cancel</c>).</summary>
    Cancel,
}

/// <summary>An event on a process's event channel.</summary>
public sealed class ProcessEvent
{
    internal ProcessEvent(ProcessEventKind kind, Pid from, DateTimeOffset at)
    {
        Kind = kind;
        From = from;
        At = at;
    }

    /// <summary>What happened.</summary>
    public ProcessEventKind Kind { get; }

    /// <summary>The process the event is about (for Cancel: who asked).</summary>
    public Pid From { get; }

    /// <summary>When the event was raised.</summary>
    public DateTimeOffset At { get; }

    /// <summary>Exit: the value main returned (normal exit).</summary>
    public object? Result { get; init; }

    /// <summary>Exit or LinkDown: the error, if the process failed.</summary>
    public string? Error { get; init; }

    /// <summary>Exit of a C# process that threw: the exception.</summary>
    public Exception? Exception { get; init; }

    /// <summary>Cancel: when the process will be terminated if it has not ended.</summary>
    public DateTimeOffset? Deadline { get; init; }

    /// <summary>True if this reports a failure.</summary>
    public bool IsError => Error is not null;

    /// <summary>The wire name of <see cref="Kind"/>: <c>pid.exit</c>, <c>pid.link.down</c>, <c>pid.cancel</c>.</summary>
    public string KindName => KindNameOf(Kind);

    /// <summary>The wire name of a kind.</summary>
    public static string KindNameOf(ProcessEventKind kind) => kind switch
    {
        ProcessEventKind.Exit => "pid.exit",
        ProcessEventKind.LinkDown => "pid.link.down",
        _ => "pid.cancel",
    };

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        ProcessEventKind.Exit when Error is not null => $"EXIT {From}: error {Error}",
        ProcessEventKind.Exit => $"EXIT {From}: {Result}",
        ProcessEventKind.LinkDown => $"LINK_DOWN {From}: {Error}",
        _ => $"CANCEL from {From} by {Deadline:O}",
    };
}

/// <summary>How a process ended.</summary>
internal sealed record ExitInfo(object? Result, string? Error, Exception? Exception = null, string? RootError = null)
{
    public static ExitInfo Normal(object? result) => new(result, null);
    public static ExitInfo Failed(string error, Exception? ex = null) => new(null, error, ex, error);
    public string Root => RootError ?? Error ?? "";
}

/// <summary>Per-process options.</summary>
public sealed record ProcessOptions
{
    /// <summary>If true, a linked process's failure arrives as a LinkDown event instead of terminating this process.</summary>
    public bool TrapLinks { get; init; }
}
