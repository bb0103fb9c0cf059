namespace Typed.Processes;

/// <summary>Thrown when a failed <see cref="Result"/> is unwrapped, and for misuse inside a process.</summary>
public class ProcessException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ProcessException(string message) : base(message) { }

    /// <summary>Creates the exception with an inner cause.</summary>
    public ProcessException(string message, Exception inner) : base(message, inner) { }
}
