namespace Typed.Processes;

/// <summary>A host as <see cref="ProcessRuntime.Inspect"/> saw it.</summary>
public sealed class HostSnapshot
{
    internal HostSnapshot(string reference, int workers, int queueLength, int busyWorkers, long executedWorkItems)
    {
        Reference = reference;
        Workers = workers;
        QueueLength = queueLength;
        BusyWorkers = busyWorkers;
        ExecutedWorkItems = executedWorkItems;
    }

    /// <summary>The host reference, e.g. <c>app:processes</c>.</summary>
    public string Reference { get; }

    /// <summary>Its worker threads.</summary>
    public int Workers { get; }

    /// <summary>Work items (process starts and resumptions) waiting for a worker.</summary>
    public int QueueLength { get; }

    /// <summary>Workers running a work item (not idle, not spinning for work).</summary>
    public int BusyWorkers { get; }

    /// <summary>Work items run so far.</summary>
    public long ExecutedWorkItems { get; }
}
