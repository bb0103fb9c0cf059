namespace Typed.Processes;

/// <summary>
/// A host reference (<c>namespace:name</c>) as a type of its own, so that a typed stub takes only a declared host:
/// the generated <c>ProcessReferences.Hosts.*</c> fields, or an explicit <c>new HostRef("app:workers")</c> (whose
/// literal the analyzers check, TP0003). There is no conversion from <see cref="string"/>; there is one to it, so a
/// <see cref="HostRef"/> goes wherever an untyped API takes a host string.
/// </summary>
/// <remarks>
/// The constructor does not validate: a malformed reference, or <c>default(HostRef)</c> (whose
/// <see cref="Reference"/> is null), gives an error <see cref="Result"/> where it is used, as a host string would.
/// </remarks>
public readonly struct HostRef : IEquatable<HostRef>
{
    /// <summary>Wraps a host reference.</summary>
    public HostRef([HostReference] string reference) => Reference = reference;

    /// <summary>The host reference; null for <c>default(HostRef)</c>.</summary>
    public string Reference { get; }

    /// <summary>True for <c>default(HostRef)</c>, which names no host.</summary>
    public bool IsDefault => Reference is null;

    /// <summary>The host reference, for the untyped APIs that take a host string (null for <c>default(HostRef)</c>).</summary>
    public static implicit operator string(HostRef host) => host.Reference;

    /// <inheritdoc />
    public bool Equals(HostRef other) => string.Equals(Reference, other.Reference, StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is HostRef other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Reference is null ? 0 : StringComparer.Ordinal.GetHashCode(Reference);

    /// <summary>Equality by reference text.</summary>
    public static bool operator ==(HostRef left, HostRef right) => left.Equals(right);

    /// <summary>Inequality by reference text.</summary>
    public static bool operator !=(HostRef left, HostRef right) => !left.Equals(right);

    /// <summary>The host reference, or an empty string for <c>default(HostRef)</c>.</summary>
    public override string ToString() => Reference ?? "";
}
