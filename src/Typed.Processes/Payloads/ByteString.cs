using System.Text;

namespace Typed.Processes;

/// <summary>
/// An immutable string of bytes: the payload form of a Lua string that is not valid UTF-8 (binary data). A Lua string
/// that is valid UTF-8 arrives in C# as a <see cref="string"/> instead, whose UTF-8 encoding is exactly the Lua
/// string's bytes (NUL bytes included); <see cref="TryGetBytes"/> gives the raw bytes of either. Sent to a Lua
/// process, a <see cref="ByteString"/> (like a <c>byte[]</c> or an <c>ImmutableArray&lt;byte&gt;</c>) becomes a Lua
/// string of exactly its bytes. Value equality (same bytes).
/// </summary>
public sealed class ByteString : IEquatable<ByteString>
{
    private readonly byte[] _bytes;

    /// <summary>A byte string holding a copy of <paramref name="bytes"/>.</summary>
    public ByteString(ReadOnlySpan<byte> bytes) => _bytes = bytes.ToArray();

    private ByteString(byte[] owned, bool _) => _bytes = owned;

    /// <summary>The empty byte string.</summary>
    public static ByteString Empty { get; } = new([], false);

    /// <summary>The UTF-8 bytes of <paramref name="text"/> (lone surrogates become U+FFFD).</summary>
    public static ByteString FromString(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new ByteString(Encoding.UTF8.GetBytes(text), false);
    }

    /// <summary>The number of bytes.</summary>
    public int Length => _bytes.Length;

    /// <summary>The bytes (read-only view, no copy).</summary>
    public ReadOnlySpan<byte> Span => _bytes;

    /// <summary>The bytes (read-only view, no copy).</summary>
    public ReadOnlyMemory<byte> Memory => _bytes;

    /// <summary>A copy of the bytes.</summary>
    public byte[] ToArray() => (byte[])_bytes.Clone();

    /// <summary>
    /// The raw bytes of a payload that came from a Lua string: a <see cref="string"/> gives its UTF-8 encoding (for a
    /// string from Lua, exactly the Lua bytes), a <see cref="ByteString"/> its bytes. False for anything else.
    /// </summary>
    public static bool TryGetBytes(object? payload, out ReadOnlyMemory<byte> bytes)
    {
        switch (payload)
        {
            case string s: bytes = Encoding.UTF8.GetBytes(s); return true;
            case ByteString b: bytes = b._bytes; return true;
            default: bytes = default; return false;
        }
    }

    /// <summary>The bytes decoded as UTF-8, invalid sequences replaced by U+FFFD (text for display, not a round trip).</summary>
    public override string ToString() => Encoding.UTF8.GetString(_bytes);

    /// <summary>True if both hold the same bytes.</summary>
    public bool Equals(ByteString? other) => other is not null && _bytes.AsSpan().SequenceEqual(other._bytes);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as ByteString);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var h = new HashCode();
        h.AddBytes(_bytes);
        return h.ToHashCode();
    }

    /// <summary>Byte equality.</summary>
    public static bool operator ==(ByteString? left, ByteString? right) => left is null ? right is null : left.Equals(right);

    /// <summary>Byte inequality.</summary>
    public static bool operator !=(ByteString? left, ByteString? right) => !(left == right);
}
