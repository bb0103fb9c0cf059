using Typed.Processes.SourceModel;

namespace Typed.Processes.Generators.Model;

/// <summary>A registered C# entry as the reference table needs it.</summary>
internal sealed record EntryRegistration(string Reference, string FullyQualifiedName);

/// <summary>A Lua entry with its resolved topics and main's arguments (null: not declared, any arguments).</summary>
/// <remarks>Types the compilation does not know are null here (any payload, <c>object?</c>); the analyzers report them (TP0012).</remarks>
internal sealed record LuaEntryModel(string Reference, EquatableArray<TopicDeclaration> Topics, EquatableArray<ArgumentDeclaration>? Args = null);

/// <summary>Everything the assembly-wide files need: the reference table, the registration and the Lua entry types.</summary>
internal sealed record ApplicationModel(
    string RootNamespace,
    EquatableArray<EntryRegistration> Entries,
    EquatableArray<HostModel> Hosts,
    EquatableArray<LuaEntryModel> LuaEntries,
    EquatableArray<string> LuaHosts);
