using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Typed.Processes.Generators.Model;
using Typed.Processes.SourceModel;

namespace Typed.Processes.Generators.Parsing;

/// <summary>Reads <c>[assembly: ProcessHost("ns:name", Workers = n)]</c>.</summary>
internal static class HostParser
{
    public const string HostAttribute = "Typed.Processes.ProcessHostAttribute";

    public static EquatableArray<HostModel> Parse(GeneratorAttributeSyntaxContext context)
    {
        var hosts = new List<HostModel>();
        foreach (var attribute in context.Attributes)
        {
            if (attribute.ConstructorArguments.FirstOrDefault().Value is not string reference || !ReferenceSyntax.IsValid(reference)) continue;
            int workers = 0;
            foreach (var named in attribute.NamedArguments)
                if (named.Key == "Workers" && named.Value.Value is int w) workers = w;
            hosts.Add(new HostModel(reference, workers));
        }
        return hosts.ToEquatableArray();
    }

    public static ImmutableArray<HostModel> Flatten(ImmutableArray<EquatableArray<HostModel>> groups) =>
        groups.SelectMany(g => g).ToImmutableArray();
}
