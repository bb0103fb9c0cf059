namespace Typed.Processes;

/// <summary>A process started with <see cref="ProcessRuntime.Start(string, string, object?[])"/>: its PID and its Exit event.</summary>
/// <param name="Pid">The process.</param>
/// <param name="Exit">Completes with the process's Exit event.</param>
public readonly record struct RunningProcess(Pid Pid, Task<ProcessEvent> Exit);
