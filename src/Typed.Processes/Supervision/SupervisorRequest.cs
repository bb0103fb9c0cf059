namespace Typed.Processes;

/// <summary>What a <see cref="SupervisorClient"/> asks its supervisor (the payload of its calls).</summary>
[Immutable]
internal sealed record SupervisorRequest(SupervisorRequest.Operation Op, string? Id, ChildSpec? Spec)
{
    internal enum Operation { StartChild, TerminateChild, RestartChild, DeleteChild, WhichChildren }
}

/// <summary>A supervisor's answer: a PID, an error, or the list of children.</summary>
[Immutable]
internal sealed record SupervisorReply(Pid? Pid, string? Error, ChildInfo[]? Children);
