using System.Diagnostics.CodeAnalysis;

namespace Typed.Processes;

/// <summary>Rules for entry and host references (<c>namespace:name</c>).</summary>
public static class EntryReference
{
    /// <summary>
    /// True if <paramref name="reference"/> has the form <c>namespace:name</c>: a non-empty namespace of ASCII letters,
    /// digits, <c>_ - .</c>, a colon, and a non-empty name of the same characters; neither part starts or ends with <c>.</c>.
    /// </summary>
    public static bool IsValid([NotNullWhen(true)] string? reference) => SourceModel.ReferenceSyntax.IsValid(reference);

    /// <summary>Null if valid, else a message that says why (for error results).</summary>
    internal static string? Check(string? reference, string what)
    {
        if (reference is null) return $"{what} reference is null";
        return IsValid(reference) ? null : $"malformed {what} reference '{reference}': {SourceModel.ReferenceSyntax.Expected}";
    }
}
