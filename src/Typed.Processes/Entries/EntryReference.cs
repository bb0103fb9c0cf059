using System.Diagnostics.CodeAnalysis;

namespace Typed.Processes;

/// <summary>Rules for entry and host references (<c>namespace:name</c>).</summary>
public static class EntryReference
{
    /// <summary>
    /// True if <paramref name="reference"/> has the form <c>namespace:name</c>: a non-empty namespace of letters,
    /// digits, <c>_ - .</c>, a colon, and a non-empty name of letters, digits, <c>_ - .</c>.
    /// </summary>
    public static bool IsValid([NotNullWhen(true)] string? reference)
    {
        if (string.IsNullOrEmpty(reference)) return false;
        int colon = reference.IndexOf(':');
        if (colon <= 0 || colon == reference.Length - 1 || reference.IndexOf(':', colon + 1) >= 0) return false;
        foreach (var c in reference)
        {
            if (c == ':' || c == '.' || c == '_' || c == '-' || char.IsAsciiLetterOrDigit(c)) continue;
            return false;
        }
        return reference[0] != '.' && reference[colon - 1] != '.' && reference[colon + 1] != '.' && reference[^1] != '.';
    }

    /// <summary>Null if valid, else a message that says why (for error results).</summary>
    internal static string? Check(string? reference, string what)
    {
        if (reference is null) return $"{what} reference is null";
        return IsValid(reference) ? null : $"malformed {what} reference '{reference}': expected 'namespace:name'";
    }
}
