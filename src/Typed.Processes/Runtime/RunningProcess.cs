namespace Typed.Processes;

/// <summary>A process started with <see cref="ProcessRuntime.Start(string, string, object?[])"/>: its PID and its Exit event.</summary>
/// <param name="Pid">The process.</param>
/// <param name="Exit">Completes with the process's Exit event.</param>
public readonly record struct RunningProcess(Pid Pid, Task<ProcessEvent> Exit);

/// <summary>A process of entry type <typeparamref name="TEntry"/> started by a generated <c>Start</c> stub: its typed PID and its Exit event.</summary>
/// <typeparam name="TEntry">The entry (a C# class, or a generated marker type for a Lua entry).</typeparam>
/// <param name="Pid">The process.</param>
/// <param name="Exit">Completes with the process's Exit event.</param>
public readonly record struct RunningProcess<TEntry>(Pid<TEntry> Pid, Task<ProcessEvent> Exit)
{
    /// <summary>Untyped access.</summary>
    public static implicit operator RunningProcess(RunningProcess<TEntry> process) => new(process.Pid, process.Exit);
}
