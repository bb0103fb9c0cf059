using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace Typed.Processes.Analyzers;

/// <summary>The topics an entry type accepts: a C# entry's [Topic] handlers, or a Lua marker's [DeclaredTopic]s.</summary>
internal sealed class EntryTopics
{
    private EntryTopics(string name, Dictionary<string, ITypeSymbol?> topics, bool acceptsOtherTopics)
    {
        Name = name;
        Topics = topics;
        AcceptsOtherTopics = acceptsOtherTopics;
    }

    /// <summary>The entry reference (or the type name when the reference is missing).</summary>
    public string Name { get; }

    /// <summary>Topic name to payload type; null when any payload goes.</summary>
    public Dictionary<string, ITypeSymbol?> Topics { get; }

    /// <summary>True when the entry has an [Inbox] handler, which takes every other topic.</summary>
    public bool AcceptsOtherTopics { get; }

    /// <summary>The topics of <paramref name="entry"/>, or null when it is not an entry type.</summary>
    public static EntryTopics? Of(ITypeSymbol entry, KnownTypes types)
    {
        if (entry is not INamedTypeSymbol named) return null;
        var topics = new Dictionary<string, ITypeSymbol?>(System.StringComparer.Ordinal);
        if (KnownTypes.Find(named, types.ProcessEntry) is { } processEntry)
        {
            bool inbox = false;
            foreach (var member in named.GetMembers())
            {
                if (member is not IMethodSymbol method) continue;
                if (KnownTypes.Has(method, types.Inbox)) inbox = true;
                if (KnownTypes.FirstString(KnownTypes.Find(method, types.Topic)) is not { } topic || topics.ContainsKey(topic)) continue;
                ITypeSymbol? payload = null;
                foreach (var p in method.Parameters)
                    if (!KnownTypes.Is(p.Type, types.MessageContext)) { payload = p.Type; break; }
                topics.Add(topic, IsAny(payload) ? null : payload);
            }
            return new EntryTopics(KnownTypes.FirstString(processEntry) ?? named.Name, topics, inbox);
        }
        if (KnownTypes.Find(named, types.LuaEntry) is { } luaEntry)
        {
            foreach (var a in named.GetAttributes())
            {
                if (!KnownTypes.Is(a.AttributeClass, types.DeclaredTopic) || a.ConstructorArguments.Length < 1) continue;
                if (a.ConstructorArguments[0].Value is not string topic || topics.ContainsKey(topic)) continue;
                var payload = a.ConstructorArguments.Length > 1 ? a.ConstructorArguments[1].Value as ITypeSymbol : null;
                topics.Add(topic, IsAny(payload) ? null : payload);
            }
            return new EntryTopics(KnownTypes.FirstString(luaEntry) ?? named.Name, topics, acceptsOtherTopics: false);
        }
        return null;
    }

    private static bool IsAny(ITypeSymbol? type) => type is null || type.SpecialType == SpecialType.System_Object || type.TypeKind == TypeKind.Error;
}
