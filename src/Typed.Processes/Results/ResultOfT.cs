using System.Diagnostics.CodeAnalysis;

namespace Typed.Processes;

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
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1000", Justification = "The factory belongs with the type it makes; Result.Success(value) infers T.")]
    public static Result<T> Success(T value) => new(value, null);

    /// <summary>A failure with a message saying what was wrong.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1000", Justification = "The factory belongs with the type it makes; for a generated stub's typed failure.")]
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
