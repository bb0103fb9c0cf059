namespace Typed.Processes.Analyzers;

/// <summary>The rules for entry and host references, as in <c>Typed.Processes.EntryReference.IsValid</c>.</summary>
internal static class References
{
    /// <summary>True if <paramref name="reference"/> has the form <c>namespace:name</c>.</summary>
    public static bool IsValid(string? reference)
    {
        if (reference is null || reference.Length == 0) return false;
        int colon = reference.IndexOf(':');
        if (colon <= 0 || colon == reference.Length - 1 || reference.IndexOf(':', colon + 1) >= 0) return false;
        foreach (var c in reference)
        {
            if (c == ':' || c == '.' || c == '_' || c == '-' || (c < 128 && char.IsLetterOrDigit(c))) continue;
            return false;
        }
        return reference[0] != '.' && reference[colon - 1] != '.' && reference[colon + 1] != '.' && reference[reference.Length - 1] != '.';
    }

    /// <summary>The edit (Levenshtein) distance between two strings.</summary>
    public static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) previous[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = System.Math.Min(System.Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
