using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;
using Typed.Processes.Generators.Emitting;
using Typed.Processes.Generators.Model;
using Typed.Processes.Generators.Parsing;
using Typed.Processes.SourceModel;

namespace Typed.Processes.Generators;

/// <summary>
/// Generates typed spawn/send stubs and registration for <c>[ProcessEntry]</c> classes, the reference table, and types
/// with stubs for the Lua entries of <c>_index.yaml</c> manifests given as <c>AdditionalFiles</c>.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class ProcessEntryGenerator : IIncrementalGenerator
{
    /// <summary>Tracking names of the pipeline steps (for caching tests).</summary>
    public static class Steps
    {
        public const string Entries = nameof(Entries);
        public const string Hosts = nameof(Hosts);
        public const string Manifests = nameof(Manifests);
        public const string LuaSources = nameof(LuaSources);
        public const string ManifestTypes = nameof(ManifestTypes);
        public const string Application = nameof(Application);
        public const string PayloadTypes = nameof(PayloadTypes);
        public const string PayloadDeclarations = nameof(PayloadDeclarations);
        public const string Supervisors = nameof(Supervisors);
    }

    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var entries = context.SyntaxProvider
            .ForAttributeWithMetadataName(EntryShape.EntryAttribute, static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax,
                static (ctx, ct) => ctx.TargetSymbol is INamedTypeSymbol type ? EntryShape.Read(type, ct)?.ToModel() : null)
            .Where(static e => e is not null)
            .Select(static (e, _) => e!)
            .WithTrackingName(Steps.Entries);

        // [Supervisor] classes: only those the rules accept (the analyzers report TP0013 for the others).
        var supervisors = context.SyntaxProvider
            .ForAttributeWithMetadataName(SupervisorShape.SupervisorAttribute, static (node, _) => node is ClassDeclarationSyntax,
                static (ctx, ct) => ctx.TargetSymbol is INamedTypeSymbol type ? SupervisorShape.Read(type, ctx.SemanticModel.Compilation, ct)?.Model : null)
            .Where(static s => s is not null)
            .Select(static (s, _) => s!)
            .WithTrackingName(Steps.Supervisors);

        var hosts = context.SyntaxProvider
            .ForAttributeWithMetadataName(HostParser.HostAttribute, static (node, _) => node is CompilationUnitSyntax, static (ctx, _) => HostParser.Parse(ctx))
            .WithTrackingName(Steps.Hosts);

        var manifests = context.AdditionalTextsProvider
            .Where(static t => LuaManifest.IsManifest(t.Path))
            .Select(static (t, ct) => LuaManifest.Read(LuaManifest.NormalizePath(t.Path), t.GetText(ct)?.ToString() ?? ""))
            .WithTrackingName(Steps.Manifests);

        var luaSources = context.AdditionalTextsProvider
            .Where(static t => t.Path.EndsWith(".lua", StringComparison.OrdinalIgnoreCase))
            .Select(static (t, ct) => new LuaSourceModel(LuaManifest.NormalizePath(t.Path), LuaManifest.ScanTopics(t.GetText(ct)?.ToString() ?? "")))
            .WithTrackingName(Steps.LuaSources);

        var rootNamespace = context.AnalyzerConfigOptionsProvider
            .Select(static (o, _) => ManifestTypes.RootNamespace(o.GlobalOptions));

        // The C# types the manifests name that do not exist: their stubs take object? instead (the analyzers report
        // TP0012 at the manifest's line), so that a typo never becomes an error inside generated code. This step re-runs
        // with every compilation, but only binds when manifests name types, and its output rarely changes.
        var unknownTypes = manifests
            .Select(static (m, _) => m.Entries
                .SelectMany(e => e.MetaTopics.Select(t => t.PayloadType).Concat(e.Args?.Select(a => a.Type) ?? Enumerable.Empty<string?>()))
                .Where(t => t is not null).Select(t => t!).Distinct().ToEquatableArray())
            .Collect()
            .Combine(context.CompilationProvider)
            .Combine(rootNamespace)
            .Select(static (x, ct) =>
            {
                var names = x.Left.Left.SelectMany(a => a).ToList();
                return names.Count == 0 ? EquatableArray<string>.Empty
                    : ManifestTypes.Unknown(x.Left.Right, x.Right, names, ct).OrderBy(t => t, StringComparer.Ordinal).ToEquatableArray();
            })
            .WithTrackingName(Steps.ManifestTypes);

        var registrations = entries.Select(static (e, _) => new EntryRegistration(e.Reference, e.FullyQualifiedName)).Collect()
            .Combine(supervisors.Select(static (s, _) => new EntryRegistration(s.Reference, s.FullyQualifiedName)).Collect())
            .Select(static (x, _) => x.Left.AddRange(x.Right));
        var application = registrations
            .Combine(hosts.Collect())
            .Combine(manifests.Collect())
            .Combine(luaSources.Collect())
            .Combine(rootNamespace)
            .Combine(unknownTypes)
            .Select(static (y, _) =>
            {
                var x = y.Left;
                return BuildApplication(x.Right, x.Left.Left.Left.Left, HostParser.Flatten(x.Left.Left.Left.Right), x.Left.Left.Right, x.Left.Right, y.Right);
            })
            .WithTrackingName(Steps.Application);

        RegisterPayloadDeclarations(context);

        context.RegisterSourceOutput(entries, static (spc, entry) =>
            spc.AddSource(EntryEmitter.HintName(entry), SourceText.From(EntryEmitter.Emit(entry), System.Text.Encoding.UTF8)));

        context.RegisterSourceOutput(supervisors, static (spc, supervisor) =>
            spc.AddSource(SupervisorEmitter.HintName(supervisor), SourceText.From(SupervisorEmitter.Emit(supervisor), System.Text.Encoding.UTF8)));

        context.RegisterSourceOutput(application, static (spc, app) =>
        {
            spc.AddSource("ProcessReferences.g.cs", SourceText.From(ApplicationEmitter.EmitReferences(app), System.Text.Encoding.UTF8));
            if (app.LuaEntries.Count > 0)
                spc.AddSource("LuaEntries.g.cs", SourceText.From(ApplicationEmitter.EmitLuaEntries(app), System.Text.Encoding.UTF8));
        });
    }

    /// <summary>
    /// Every class and struct of the compilation that the prover proves deeply immutable is declared to the runtime by
    /// a generated module initializer (see <see cref="PayloadEmitter"/>), when the project references the runtime.
    /// </summary>
    private static void RegisterPayloadDeclarations(IncrementalGeneratorInitializationContext context)
    {
        // Re-run for every declaration on each edit (a field's type may change in another file), but the result is a
        // string, so the collected set, and the output, stay cached unless the set changes.
        var types = context.SyntaxProvider
            .CreateSyntaxProvider(
                static (node, _) => node is ClassDeclarationSyntax or StructDeclarationSyntax or RecordDeclarationSyntax,
                static (ctx, ct) => ctx.SemanticModel.GetDeclaredSymbol(ctx.Node, ct) is INamedTypeSymbol type ? ImmutabilityProver.DeclarationOf(type) : null)
            .Where(static t => t is not null)
            .Collect()
            .Select(static (all, _) => all.Select(t => t!).Distinct(StringComparer.Ordinal).OrderBy(t => t, StringComparer.Ordinal).ToEquatableArray())
            .WithTrackingName(Steps.PayloadTypes);

        var canDeclare = context.CompilationProvider.Select(static (c, _) =>
            c.GetTypeByMetadataName("Typed.Processes.Payloads") is not null &&
            c.GetTypeByMetadataName(ImmutabilityProver.ProvenImmutableAttribute) is not null &&
            c.GetTypeByMetadataName("System.Runtime.CompilerServices.ModuleInitializerAttribute") is not null);

        var declarations = types.Combine(canDeclare)
            .Select(static (x, _) => x.Right ? x.Left : EquatableArray<string>.Empty)
            .WithTrackingName(Steps.PayloadDeclarations);

        context.RegisterSourceOutput(declarations, static (spc, types) =>
        {
            if (types.Count > 0) spc.AddSource(PayloadEmitter.HintName, SourceText.From(PayloadEmitter.Emit(types), System.Text.Encoding.UTF8));
        });
    }

    private static ApplicationModel BuildApplication(
        string rootNamespace,
        ImmutableArray<EntryRegistration> entries,
        ImmutableArray<HostModel> hosts,
        ImmutableArray<LuaManifestDeclaration> manifests,
        ImmutableArray<LuaSourceModel> luaSources,
        EquatableArray<string> unknownTypes)
    {
        string? Known(string? type) => type is not null && unknownTypes.Contains(type) ? null : type;
        var sources = luaSources.GroupBy(s => s.Path, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.First().Topics, StringComparer.OrdinalIgnoreCase);
        var luaEntries = new List<LuaEntryModel>();
        var luaHosts = new List<string>();
        foreach (var manifest in manifests.OrderBy(m => m.Path, StringComparer.Ordinal))
        {
            luaHosts.AddRange(manifest.Hosts);
            foreach (var entry in manifest.Entries)
            {
                if (luaEntries.Any(e => e.Reference == entry.Reference)) continue;
                var topics = LuaManifest.TopicsOf(entry, path => sources.TryGetValue(path, out var t) ? t : null);
                luaEntries.Add(new LuaEntryModel(
                    entry.Reference,
                    topics.Select(t => t with { PayloadType = Known(t.PayloadType) }).ToEquatableArray(),
                    entry.Args?.Select(a => a with { Type = Known(a.Type) }).ToEquatableArray()));
            }
        }
        return new ApplicationModel(
            rootNamespace,
            entries.OrderBy(e => e.Reference, StringComparer.Ordinal).ToEquatableArray(),
            hosts.OrderBy(h => h.Reference, StringComparer.Ordinal).ToEquatableArray(),
            luaEntries.ToEquatableArray(),
            luaHosts.Distinct().ToEquatableArray());
    }
}
