using Typed.Processes.SourceModel;

namespace Typed.Processes.Generators.Model;

/// <summary>A registered C# entry as the reference table needs it.</summary>
internal sealed record EntryRegistration(string Reference, string FullyQualifiedName);

/// <summary>A Lua entry with its resolved topics.</summary>
internal sealed record LuaEntryModel(string Reference, EquatableArray<TopicDeclaration> Topics);

/// <summary>Everything the assembly-wide files need: the reference table, the registration and the Lua entry types.</summary>
internal sealed record ApplicationModel(
    string RootNamespace,
    EquatableArray<EntryRegistration> Entries,
    EquatableArray<HostModel> Hosts,
    EquatableArray<LuaEntryModel> LuaEntries,
    EquatableArray<string> LuaHosts);
