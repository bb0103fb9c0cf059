using System.Diagnostics.CodeAnalysis;

namespace Typed.Processes;

/// <summary>The outcome of an operation that can fail on bad input (unknown PID, name taken, ...).</summary>
public readonly struct Result
{
    private Result(string? error) => Error = error;

    /// <summary>A success.</summary>
    public static Result Success => default;

    /// <summary>A failure with a message saying what was wrong.</summary>
    public static Result Failure(string error) => new(error ?? throw new ArgumentNullException(nameof(error)));

    /// <summary>True on success.</summary>
    [MemberNotNullWhen(false, nameof(Error))]
    public bool Ok => Error is null;

    /// <summary>Why the operation failed; null on success.</summary>
    public string? Error { get; }

    /// <summary>Throws <see cref="ProcessException"/> if this is a failure.</summary>
    public void ThrowIfFailed()
    {
        if (Error is not null) throw new ProcessException(Error);
    }

    /// <inheritdoc />
    public override string ToString() => Ok ? "ok" : "error: " + Error;
}
