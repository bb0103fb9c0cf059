namespace Typed.Processes;

/// <summary>
/// Thrown into a process's code (from any blocking call) once the process has been terminated from outside
/// or by a linked process: the process is already dead; the exception only unwinds its code.
/// </summary>
public sealed class ProcessTerminatedException : OperationCanceledException
{
    /// <summary>Creates the exception.</summary>
    public ProcessTerminatedException(string reason) : base("process terminated: " + reason) => Reason = reason;

    /// <summary>Why the process was terminated.</summary>
    public string Reason { get; }
}
