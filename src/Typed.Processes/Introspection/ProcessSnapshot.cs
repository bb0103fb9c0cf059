namespace Typed.Processes;

/// <summary>
/// One process as <see cref="ProcessRuntime.Inspect"/> saw it. Immutable. The counters are read without
/// synchronisation from the process's own fields while it runs, so each may be slightly behind the others.
/// </summary>
public sealed class ProcessSnapshot
{
    internal ProcessSnapshot(Pid pid, ProcessState state)
    {
        Pid = pid;
        State = state;
    }

    /// <summary>Its PID.</summary>
    public Pid Pid { get; }

    /// <summary>The entry it was started from, e.g. <c>app:worker</c> (<c>typed:supervisor</c> for a supervisor).</summary>
    public string Entry => Pid.Entry;

    /// <summary>The host it runs on.</summary>
    public string Host => Pid.Host;

    /// <summary>What it is doing now.</summary>
    public ProcessState State { get; }

    /// <summary>Messages waiting in its mailbox (inbox and topic listeners), not yet received.</summary>
    public int MailboxLength { get; init; }

    /// <summary>Mailbox messages it has received so far.</summary>
    public long MessagesReceived { get; init; }

    /// <summary>Times its code was given a worker ("reductions", coarsely): its first run and each resumption after a
    /// runtime wait or a preempted Lua slice.</summary>
    public long Reductions { get; init; }

    /// <summary>Time its code has run on workers, for Lua processes; null for C# processes (not measured).</summary>
    public TimeSpan? CpuTime { get; init; }

    /// <summary>Bytes its Lua state uses (with what it holds outside the state, as its memory ceiling counts them); null for
    /// C# processes.</summary>
    public long? MemoryBytes { get; init; }

    /// <summary>Its registered names (usually none or one).</summary>
    public IReadOnlyList<string> RegisteredNames { get; init; } = [];

    /// <summary>The process that spawned it; null when it was spawned from outside any process.</summary>
    public Pid? Parent { get; init; }

    /// <summary>The processes it is linked to.</summary>
    public IReadOnlyList<Pid> Links { get; init; } = [];

    /// <summary>The processes it monitors.</summary>
    public IReadOnlyList<Pid> Monitors { get; init; } = [];

    /// <summary>True for a supervisor process.</summary>
    public bool IsSupervisor => Children is not null;

    /// <summary>A supervisor's children in start order, as of its last wait; null for any other process.</summary>
    public IReadOnlyList<ChildInfo>? Children { get; init; }
}
