namespace Typed.Processes;

/// <summary>
/// Reads an exception for an error text without trusting it: a process may throw an exception whose
/// <see cref="Exception.Message"/> (or <see cref="Exception.ToString"/>) itself throws, and that must end only the
/// process, never a worker or the .NET process.
/// </summary>
internal static class ExceptionText
{
    /// <summary>The message, or a fallback naming the exception's type and what its Message threw.</summary>
    public static string MessageOf(Exception ex)
    {
        try
        {
            return ex.Message ?? "";
        }
        catch (Exception inner)
        {
            return $"exception of type {TypeName(ex)} (its Message threw {TypeName(inner)})";
        }
    }

    /// <summary>The error text of a crash: the message of a <see cref="ProcessException"/>, else "Type: message".</summary>
    public static string Describe(Exception ex) =>
        ex is ProcessException ? MessageOf(ex) : $"{TypeName(ex)}: {MessageOf(ex)}";

    // GetType cannot be overridden and Type.Name of a runtime type does not run user code.
    private static string TypeName(Exception ex) => ex.GetType().Name;
}
