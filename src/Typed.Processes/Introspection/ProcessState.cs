namespace Typed.Processes;

/// <summary>What a process is doing at the moment of a <see cref="ProcessRuntime.Inspect"/> snapshot.</summary>
public enum ProcessState
{
    /// <summary>A worker runs its code now.</summary>
    Running,

    /// <summary>Ready to run: waiting in its host's queue for a worker (started, woken by a message, or preempted).</summary>
    Runnable,

    /// <summary>Blocked: in a receive, a select, a call or a timer, or (C#) an await the runtime does not schedule.</summary>
    Waiting,

    /// <summary>Ending: it was sent a CANCEL event (and has not ended yet), or it has just ended.</summary>
    Exiting,
}
