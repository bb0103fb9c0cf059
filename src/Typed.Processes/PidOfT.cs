namespace Typed.Processes;

/// <summary>
/// A PID known to belong to a process of entry type <typeparamref name="TEntry"/>; generated stubs take and return it
/// so that only the entry's declared topics can be sent to it.
/// </summary>
/// <typeparam name="TEntry">The entry (a C# class, or a generated marker type for a Lua entry).</typeparam>
public readonly struct Pid<TEntry> : IEquatable<Pid<TEntry>>
{
    /// <summary>Wraps an untyped PID. The caller vouches that it belongs to a <typeparamref name="TEntry"/> process.</summary>
    public Pid(Pid value) => Value = value ?? throw new ArgumentNullException(nameof(value));

    /// <summary>The untyped PID.</summary>
    public Pid Value { get; }

    /// <summary>Untyped access.</summary>
    public static implicit operator Pid(Pid<TEntry> pid) => pid.Value;

    /// <inheritdoc />
    public bool Equals(Pid<TEntry> other) => Value == other.Value;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Pid<TEntry> other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Value?.GetHashCode() ?? 0;

    /// <summary>Equality by the untyped PID.</summary>
    public static bool operator ==(Pid<TEntry> left, Pid<TEntry> right) => left.Equals(right);

    /// <summary>Inequality by the untyped PID.</summary>
    public static bool operator !=(Pid<TEntry> left, Pid<TEntry> right) => !left.Equals(right);

    /// <inheritdoc />
    public override string ToString() => Value?.ToString() ?? "";
}
