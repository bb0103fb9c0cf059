using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Typed.Processes.SourceModel;

namespace Typed.Processes.Analyzers;

/// <summary>The topics an entry type accepts: a C# entry's [Topic] handlers, or a Lua marker's [DeclaredTopic]s.</summary>
internal sealed class EntryTopics
{
    private EntryTopics(string name, Dictionary<string, ITypeSymbol?> topics, bool acceptsOtherTopics, Dictionary<string, ITypeSymbol> replies, bool repliesAreComplete)
    {
        Name = name;
        Topics = topics;
        AcceptsOtherTopics = acceptsOtherTopics;
        Replies = replies;
        RepliesAreComplete = repliesAreComplete;
    }

    /// <summary>The entry reference (or the type name when the reference is missing).</summary>
    public string Name { get; }

    /// <summary>Topic name to payload type; null when any payload goes.</summary>
    public Dictionary<string, ITypeSymbol?> Topics { get; }

    /// <summary>True when the entry has an [Inbox] handler, which takes every other topic.</summary>
    public bool AcceptsOtherTopics { get; }

    /// <summary>Topic name to reply type, for the topics that are calls.</summary>
    public Dictionary<string, ITypeSymbol> Replies { get; }

    /// <summary>True when a topic missing from <see cref="Replies"/> is known to declare no reply (a C# entry); false
    /// for a Lua entry, whose handler may answer a topic its manifest declares no reply for.</summary>
    public bool RepliesAreComplete { get; }

    /// <summary>
    /// The topics of <paramref name="entry"/>, or null when it is not an entry type or its topics are unknown (a Lua
    /// marker type without [DeclaredTopic]s whose manifest is not among the AdditionalFiles).
    /// </summary>
    /// <param name="entry">The entry type (T of <c>Pid&lt;T&gt;</c>).</param>
    /// <param name="types">The known types.</param>
    /// <param name="manifestTopics">Topics of the Lua entries of the manifests among the AdditionalFiles, by reference.</param>
    /// <param name="cancellationToken">Cancels the reading.</param>
    public static EntryTopics? Of(ITypeSymbol entry, KnownTypes types, IReadOnlyDictionary<string, string[]> manifestTopics, System.Threading.CancellationToken cancellationToken)
    {
        if (entry is not INamedTypeSymbol named) return null;
        var topics = new Dictionary<string, ITypeSymbol?>(System.StringComparer.Ordinal);
        var replies = new Dictionary<string, ITypeSymbol>(System.StringComparer.Ordinal);
        if (EntryShape.Read(named, cancellationToken) is { } shape)
        {
            // The topics the generated dispatch serves: those of the valid handlers, as the generator reads them.
            foreach (var handler in shape.Handlers)
            {
                topics.Add(handler.Topic!, IsAny(handler.Payload?.Type) ? null : handler.Payload!.Type);
                if (handler.Reply is { } reply) replies.Add(handler.Topic!, reply);
            }
            return new EntryTopics(shape.Reference ?? named.Name, topics, shape.Inbox is not null, replies, repliesAreComplete: true);
        }
        if (KnownTypes.Find(named, types.LuaEntry) is { } luaEntry)
        {
            foreach (var a in named.GetAttributes())
            {
                if (!KnownTypes.Is(a.AttributeClass, types.DeclaredTopic) || a.ConstructorArguments.Length < 1) continue;
                if (a.ConstructorArguments[0].Value is not string topic || topics.ContainsKey(topic)) continue;
                var payload = a.ConstructorArguments.Length > 1 ? a.ConstructorArguments[1].Value as ITypeSymbol : null;
                topics.Add(topic, IsAny(payload) ? null : payload);
                foreach (var named2 in a.NamedArguments)
                    if (named2.Key == "Reply" && named2.Value.Value is ITypeSymbol reply && !IsAny(reply)) replies[topic] = reply;
            }
            var reference = KnownTypes.FirstString(luaEntry);
            if (topics.Count == 0)
            {
                // No [DeclaredTopic]s: fall back to what the manifest and the Lua source say, else the topics are unknown.
                if (reference is null || !manifestTopics.TryGetValue(reference, out var fromManifest)) return null;
                foreach (var topic in fromManifest) topics[topic] = null;
            }
            return new EntryTopics(reference ?? named.Name, topics, acceptsOtherTopics: false, replies, repliesAreComplete: false);
        }
        return null;
    }

    /// <summary>Topic names of the Lua entries of the manifests among <paramref name="files"/> (meta.topics and literal process.listen calls).</summary>
    public static IReadOnlyDictionary<string, string[]> ReadManifestTopics(ImmutableArray<AdditionalText> files, System.Threading.CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, string[]>(System.StringComparer.Ordinal);
        if (!files.Any(f => LuaManifest.IsManifest(f.Path))) return result;
        var sources = new Dictionary<string, AdditionalText>(System.StringComparer.Ordinal);
        foreach (var file in files)
            if (file.Path.EndsWith(".lua", System.StringComparison.OrdinalIgnoreCase)) sources[LuaManifest.NormalizePath(file.Path)] = file;
        foreach (var file in files)
        {
            if (!LuaManifest.IsManifest(file.Path) || file.GetText(cancellationToken)?.ToString() is not { } text) continue;
            foreach (var entry in LuaManifest.Read(file.Path, text).Entries)
            {
                var topics = LuaManifest.TopicsOf(entry, path =>
                    sources.TryGetValue(path, out var source) && source.GetText(cancellationToken)?.ToString() is { } lua
                        ? LuaManifest.ScanTopics(lua)
                        : null);
                result[entry.Reference] = topics.Select(t => t.Name).ToArray();
            }
        }
        return result;
    }

    private static bool IsAny(ITypeSymbol? type) => type is null || type.SpecialType == SpecialType.System_Object || type.TypeKind == TypeKind.Error;
}
