namespace Typed.Processes;

/// <summary>How a process ended.</summary>
internal sealed record ExitInfo(object? Result, string? Error, Exception? Exception = null, string? RootError = null)
{
    public static ExitInfo Normal(object? result) => new(result, null);
    public static ExitInfo Failed(string error, Exception? ex = null) => new(null, error, ex, error);
    public string Root => RootError ?? Error ?? "";

    /// <summary>Ended by a terminate (an operator, a deadline, a shutdown), not by its own error.</summary>
    public bool Terminated { get; init; }
}
