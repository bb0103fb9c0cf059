using Typed.Processes.SourceModel;

namespace Typed.Processes.Generators.Model;

/// <summary>A host declared with <c>[assembly: ProcessHost]</c>.</summary>
internal sealed record HostModel(string Reference, int Workers);

/// <summary>The topics of a Lua source file.</summary>
internal sealed record LuaSourceModel(string Path, EquatableArray<TopicDeclaration> Topics);
