namespace Typed.Processes;

/// <summary>
/// What <see cref="ProcessRuntime.Inspect"/> reads of a process. The counters are plain fields written by the thread
/// that runs the process at that moment (never two at once), without interlocked operations or fences, so they cost a
/// plain increment; the snapshot reads them racily and may see a value a little behind.
/// </summary>
internal abstract partial class ProcessCore
{
    /// <summary>Mailbox messages this process has received so far (taken from its inbox or topic channels). Counted in
    /// <see cref="MailboxTaken"/>: by the process itself, or by the sender that hands a message to the receive it is
    /// parked in (the process does not run then), so writes do not overlap. Messages left in a listener's channel when
    /// the process stops listening leave the mailbox count then, and are counted as received at that moment.</summary>
    internal long Received;

    /// <summary>Times this process's code was given a worker (Erlang's "reductions", coarsely): its first run and every
    /// resumption after a runtime wait (a receive, a select, a call, a timer) or, for Lua, a preempted slice. Resumptions
    /// after awaits the runtime does not know (a C# <c>Task.Delay</c>) are not counted.</summary>
    internal long RunSlices;

    /// <summary>The process that spawned it; null if spawned from outside any process.</summary>
    internal Pid? Parent;

    /// <summary>Set when a CANCEL event has been sent to it (it is expected to end).</summary>
    internal bool CancelRequested;

    /// <summary>Set by a supervisor process (<see cref="SupervisorProcess"/>): its children as of its last wait. Null for
    /// any other process.</summary>
    internal ChildInfo[]? SupervisorChildren;

    /// <summary>Bytes the process's engine holds (a Lua state with what it holds outside it); null where the binding does
    /// not account memory (C# processes). A racy read.</summary>
    internal virtual long? MemoryBytes => null;

    /// <summary>Time its code has run on workers, where the binding measures it (Lua); null otherwise. A racy read.</summary>
    internal virtual TimeSpan? CpuTime => null;

    /// <summary>Its links, the processes it monitors and its registered names, copied under its gate.</summary>
    internal (Pid[] Links, Pid[] Monitoring, string[] Names) Relations()
    {
        lock (Gate)
        {
            return (
                _links is { Count: > 0 } links ? links.Select(static p => p.Pid).ToArray() : [],
                _monitoring is { Count: > 0 } monitoring ? monitoring.Select(static p => p.Pid).ToArray() : [],
                _names is { Count: > 0 } names ? names.ToArray() : []);
        }
    }
}
