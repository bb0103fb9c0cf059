namespace Typed.Processes;

/// <summary>
/// The runtime at one moment (<see cref="ProcessRuntime.Inspect"/>): its hosts and its live processes. Immutable. It is
/// not taken atomically: each process is read in turn while the others run, so a process spawned or ended meanwhile
/// may or may not be in it, and a link or monitor may name a process that is not listed.
/// </summary>
public sealed class RuntimeSnapshot
{
    internal RuntimeSnapshot(DateTimeOffset taken, IReadOnlyList<HostSnapshot> hosts, IReadOnlyList<ProcessSnapshot> processes)
    {
        Taken = taken;
        Hosts = hosts;
        Processes = processes;
    }

    /// <summary>When it was taken (the runtime's clock).</summary>
    public DateTimeOffset Taken { get; }

    /// <summary>The hosts, by reference.</summary>
    public IReadOnlyList<HostSnapshot> Hosts { get; }

    /// <summary>The live processes, by PID number (spawn order).</summary>
    public IReadOnlyList<ProcessSnapshot> Processes { get; }
}
