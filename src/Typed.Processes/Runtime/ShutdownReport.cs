namespace Typed.Processes;

/// <summary>What <see cref="ProcessRuntime.ShutdownAsync"/> found.</summary>
/// <param name="Running">The processes still running when shutdown began (ended by it).</param>
/// <param name="StuckWorkers">Workers (by host) still busy in process code after the grace period.</param>
public sealed record ShutdownReport(IReadOnlyList<Pid> Running, IReadOnlyDictionary<string, int> StuckWorkers)
{
    /// <summary>True if every worker stopped.</summary>
    public bool Clean => StuckWorkers.Count == 0;
}
