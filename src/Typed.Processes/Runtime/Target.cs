namespace Typed.Processes;

/// <summary>
/// A target of an operation (a <see cref="Typed.Processes.Pid"/>, a PID's text form or a registered name) as
/// <see cref="ProcessRuntime.Resolve(Pid?)"/> found it: its process, or null when that process has ended (the PID
/// was handed out, so the operation reports "not alive" or noproc rather than an unknown process).
/// </summary>
/// <param name="Process">The process: alive, or, for a name resolved with <c>evenIfEnding</c>, possibly ending.</param>
/// <param name="Pid">The target's PID.</param>
internal readonly record struct Target(ProcessCore? Process, Pid Pid);
