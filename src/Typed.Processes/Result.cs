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

/// <summary>The outcome of an operation that returns a value or fails on bad input.</summary>
/// <typeparam name="T">The value's type.</typeparam>
public readonly struct Result<T>
{
    private readonly T? _value;

    private Result(T? value, string? error)
    {
        _value = value;
        Error = error;
    }

    /// <summary>A success carrying <paramref name="value"/>.</summary>
    public static Result<T> Success(T value) => new(value, null);

    /// <summary>A failure with a message saying what was wrong.</summary>
    public static Result<T> Failure(string error) => new(default, error ?? throw new ArgumentNullException(nameof(error)));

    /// <summary>True on success.</summary>
    [MemberNotNullWhen(false, nameof(Error))]
    public bool Ok => Error is null;

    /// <summary>Why the operation failed; null on success.</summary>
    public string? Error { get; }

    /// <summary>The value; throws <see cref="ProcessException"/> on a failure.</summary>
    public T Value => Error is null ? _value! : throw new ProcessException(Error);

    /// <summary>The value, or throws <see cref="ProcessException"/> with the error.</summary>
    public T Unwrap() => Value;

    /// <summary>Throws <see cref="ProcessException"/> if this is a failure.</summary>
    public void ThrowIfFailed()
    {
        if (Error is not null) throw new ProcessException(Error);
    }

    /// <summary>Gets the value if this is a success.</summary>
    public bool TryGetValue([MaybeNullWhen(false)] out T value)
    {
        value = _value!;
        return Error is null;
    }

    /// <summary>Drops the value.</summary>
    public static implicit operator Result(Result<T> result) => result.Ok ? Result.Success : Result.Failure(result.Error);

    /// <inheritdoc />
    public override string ToString() => Ok ? $"ok: {_value}" : "error: " + Error;
}

/// <summary>Thrown when a failed <see cref="Result"/> is unwrapped, and for misuse inside a process.</summary>
public class ProcessException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ProcessException(string message) : base(message) { }

    /// <summary>Creates the exception with an inner cause.</summary>
    public ProcessException(string message, Exception inner) : base(message, inner) { }
}

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

/// <summary>Thrown by <see cref="ProcessChannel{T}.ReceiveAsync"/> on a channel that is closed and drained.</summary>
public sealed class ChannelClosedException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public ChannelClosedException() : base("the channel is closed") { }
}

/// <summary>
/// Return this from a process's main to end it with an error without throwing
/// (the equivalent of Lua's <c>return nil, err</c>).
/// </summary>
/// <param name="Error">The error carried by the Exit event.</param>
public sealed record ProcessFailure(string Error);
