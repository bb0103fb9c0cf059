using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Typed.Processes;

/// <summary>
/// Identifies a process. Opaque, immutable, never reused within the life of the .NET process
/// (identifiers come from one counter shared by every <see cref="ProcessRuntime"/>).
/// The text form is Wippy's: <c>{host|namespace:name|id}</c>, e.g. <c>{app:processes|app:echo|42}</c>.
/// </summary>
public sealed class Pid : IEquatable<Pid>
{
    private static long s_lastId;
    private string? _text;

    internal Pid(string host, string entry, long id)
    {
        Host = host;
        Entry = entry;
        Id = id;
    }

    internal static Pid Next(string host, string entry) => new(host, entry, Interlocked.Increment(ref s_lastId));

    /// <summary>The highest identifier handed out so far (identifiers above it were never used).</summary>
    internal static long LastId => Volatile.Read(ref s_lastId);

    /// <summary>The host reference the process runs on, e.g. <c>app:processes</c>.</summary>
    public string Host { get; }

    /// <summary>The entry reference the process was started from, e.g. <c>app:echo</c>.</summary>
    public string Entry { get; }

    /// <summary>The unique number of the process.</summary>
    public long Id { get; }

    /// <summary>Formats the PID as <c>{host|entry|id}</c>; <see cref="Parse"/> reads it back.</summary>
    public override string ToString() =>
        _text ??= string.Concat("{", Host, "|", Entry, "|", Id.ToString(CultureInfo.InvariantCulture), "}");

    /// <summary>Parses the text form produced by <see cref="ToString"/>.</summary>
    /// <exception cref="FormatException">The text is not a PID.</exception>
    public static Pid Parse(string text) =>
        TryParse(text, out var pid) ? pid : throw new FormatException($"'{text}' is not a PID; expected {{host|namespace:name|id}}.");

    /// <summary>Parses the text form produced by <see cref="ToString"/>; false if it is not a PID.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out Pid? pid)
    {
        pid = null;
        if (text is null || text.Length < 7 || text[0] != '{' || text[^1] != '}') return false;
        var body = text.AsSpan(1, text.Length - 2);
        int first = body.IndexOf('|');
        int last = body.LastIndexOf('|');
        if (first <= 0 || last <= first + 1 || last == body.Length - 1) return false;
        if (!long.TryParse(body[(last + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id <= 0) return false;
        var host = body[..first].ToString();
        var entry = body[(first + 1)..last].ToString();
        if (!EntryReference.IsValid(host) || !EntryReference.IsValid(entry)) return false;
        pid = new Pid(host, entry, id) { _text = text };
        return true;
    }

    /// <inheritdoc />
    public bool Equals(Pid? other) => other is not null && other.Id == Id;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Pid other && other.Id == Id;

    /// <inheritdoc />
    public override int GetHashCode() => Id.GetHashCode();

    /// <summary>Equality by identity of the process.</summary>
    public static bool operator ==(Pid? left, Pid? right) => left is null ? right is null : left.Equals(right);

    /// <summary>Inequality by identity of the process.</summary>
    public static bool operator !=(Pid? left, Pid? right) => !(left == right);
}
