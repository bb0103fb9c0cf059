// Shared by the generator and the analyzers (linked into both; not into the runtime, which has no compiler): which
// C# types named in a manifest (meta.topics, meta.args) exist, decided once so that the generator falls back to
// `object?` exactly where the analyzers report TP0012.
using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Typed.Processes.SourceModel;

/// <summary>Resolves the C# type names of manifests as the generated <c>LuaEntries.g.cs</c> sees them.</summary>
internal static class ManifestTypes
{
    /// <summary>The namespace of the generated tables when the project has no <c>RootNamespace</c>.</summary>
    public const string DefaultRootNamespace = "Typed.Processes.Generated";

    /// <summary>The usings of the generated Lua entry file, so that manifest types may be short.</summary>
    public static readonly string[] Usings = ["global::System", "global::System.Collections.Generic", "global::Typed.Processes"];

    /// <summary>The namespace the generated tables are in: the project's <c>RootNamespace</c>, or <see cref="DefaultRootNamespace"/>.</summary>
    public static string RootNamespace(AnalyzerConfigOptions globalOptions) =>
        globalOptions.TryGetValue("build_property.RootNamespace", out var ns) && !string.IsNullOrWhiteSpace(ns) ? ns : DefaultRootNamespace;

    /// <summary>
    /// The names among <paramref name="types"/> that are not a type usable as a field type in namespace
    /// <paramref name="rootNamespace"/> with <see cref="Usings"/> (a typo, a missing using, not C# type syntax).
    /// </summary>
    public static HashSet<string> Unknown(Compilation compilation, string rootNamespace, IEnumerable<string> types, CancellationToken cancellationToken)
    {
        var unknown = new HashSet<string>(StringComparer.Ordinal);
        var candidates = new List<string>();
        foreach (var type in types.Distinct(StringComparer.Ordinal))
        {
            var syntax = SyntaxFactory.ParseTypeName(type, consumeFullText: true);
            if (syntax.ContainsDiagnostics || syntax.ToFullString() != type) unknown.Add(type);
            else candidates.Add(type);
        }
        if (candidates.Count == 0) return unknown;

        var text = new StringBuilder("#nullable enable\n");
        foreach (var u in Usings) text.Append("using ").Append(u).Append(";\n");
        text.Append("namespace ").Append(rootNamespace).Append("\n{\ninternal static class TypedProcessesManifestTypeProbe\n{\n");
        for (int i = 0; i < candidates.Count; i++) text.Append("private static ").Append(candidates[i]).Append(" F").Append(i).Append(";\n");
        text.Append("}\n}\n");
        var options = compilation.SyntaxTrees.FirstOrDefault()?.Options as CSharpParseOptions ?? CSharpParseOptions.Default;
        var tree = CSharpSyntaxTree.ParseText(text.ToString(), options, cancellationToken: cancellationToken);
        var probe = compilation.AddSyntaxTrees(tree);
        var model = probe.GetSemanticModel(tree);
        var fields = tree.GetRoot(cancellationToken).DescendantNodes().OfType<FieldDeclarationSyntax>().ToList();
        if (fields.Count != candidates.Count)
        {
            // The namespace itself did not parse as expected: judge nothing rather than everything.
            return unknown;
        }
        for (int i = 0; i < fields.Count; i++)
        {
            var type = fields[i].Declaration.Type;
            if (model.GetDiagnostics(type.Span, cancellationToken).Any(d => d.Severity == DiagnosticSeverity.Error)) unknown.Add(candidates[i]);
        }
        return unknown;
    }
}
