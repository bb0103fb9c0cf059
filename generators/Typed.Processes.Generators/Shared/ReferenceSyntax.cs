// Shared by the runtime (Typed.Processes), the generator and the analyzers (linked into each): the one rule for
// entry and host references.
namespace Typed.Processes.SourceModel;

/// <summary>
/// The form of an entry or host reference: <c>namespace:name</c>. Exactly one colon; both parts are non-empty, made of
/// ASCII letters, digits, <c>.</c>, <c>_</c> and <c>-</c>, and neither starts nor ends with <c>.</c>.
/// </summary>
internal static class ReferenceSyntax
{
    /// <summary>What a malformed reference is told it should look like.</summary>
    public const string Expected = "expected 'namespace:name'";

    /// <summary>True if <paramref name="reference"/> has the form <c>namespace:name</c>.</summary>
    public static bool IsValid([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] string? reference)
    {
        if (reference is null || reference.Length == 0) return false;
        int colon = reference.IndexOf(':');
        if (colon <= 0 || colon == reference.Length - 1 || reference.IndexOf(':', colon + 1) >= 0) return false;
        foreach (var c in reference)
            if (c != ':' && !IsNameCharacter(c)) return false;
        return reference[0] != '.' && reference[colon - 1] != '.' && reference[colon + 1] != '.' && reference[reference.Length - 1] != '.';
    }

    private static bool IsNameCharacter(char c) =>
        c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '.' or '_' or '-';
}
