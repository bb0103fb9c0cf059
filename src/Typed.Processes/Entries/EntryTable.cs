using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace Typed.Processes;

/// <summary>The entries of a runtime, by reference.</summary>
public sealed class EntryTable
{
    private readonly ConcurrentDictionary<string, EntryDefinition> _entries = new(StringComparer.Ordinal);

    /// <summary>Adds a C# entry.</summary>
    /// <exception cref="ArgumentException">Malformed or duplicate reference.</exception>
    public EntryDefinition Add(string reference, ProcessMain main) => Add(new CSharpEntry(reference, main));

    /// <summary>Adds an entry of any kind.</summary>
    /// <exception cref="ArgumentException">Duplicate reference.</exception>
    public EntryDefinition Add(EntryDefinition entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (!_entries.TryAdd(entry.Reference, entry))
            throw new ArgumentException($"entry '{entry.Reference}' is already defined", nameof(entry));
        return entry;
    }

    /// <summary>Finds an entry.</summary>
    public bool TryGet(string reference, [NotNullWhen(true)] out EntryDefinition? entry) => _entries.TryGetValue(reference, out entry);

    /// <summary>True if the entry exists.</summary>
    public bool Contains(string reference) => _entries.ContainsKey(reference);

    /// <summary>All entries.</summary>
    public IReadOnlyCollection<EntryDefinition> All => _entries.Values.ToArray();
}
