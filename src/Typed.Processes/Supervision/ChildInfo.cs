namespace Typed.Processes;

/// <summary>One child as its supervisor sees it (<see cref="SupervisorClient.WhichChildrenAsync"/>, OTP's
/// <c>which_children</c>).</summary>
/// <param name="Id">Its id.</param>
/// <param name="Pid">The running instance; null while it is stopped or waits for a restart.</param>
/// <param name="IsSupervisor">True for a nested supervisor.</param>
/// <param name="Restart">Its restart type.</param>
/// <param name="RestartPending">True while a restart waits for its backoff delay.</param>
[Immutable]
public sealed record ChildInfo(string Id, Pid? Pid, bool IsSupervisor, RestartType Restart, bool RestartPending);
