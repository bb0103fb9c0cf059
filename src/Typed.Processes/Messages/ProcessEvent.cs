namespace Typed.Processes;

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

    /// <summary>Cancel: when the process will be terminated if it has not ended; null if the cancel gave no deadline.</summary>
    public DateTimeOffset? Deadline { get; init; }

    /// <summary>Cancel: why the process is asked to stop (empty if the canceller gave no reason); null for other kinds.</summary>
    public string? Reason { get; init; }

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
        _ when Deadline is null => $"CANCEL from {From}: {Reason}",
        _ => $"CANCEL from {From} by {Deadline:O}: {Reason}",
    };
}
