using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using Typed.Processes.SourceModel;

namespace Typed.Processes.Analyzers;

/// <summary>
/// TP0002/TP0003: constant entry and host references passed to [EntryReference]/[HostReference] parameters must be
/// well formed and declared. TP0006: an entry reference is declared once.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ReferenceAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(Diagnostics.UnknownEntry, Diagnostics.UnknownHost, Diagnostics.DuplicateEntry);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            if (KnownTypes.Create(start.Compilation) is not { } types) return;
            var known = new KnownReferences();
            known.ReadManifests(start.Options, start.CancellationToken);
            bool loadsManifests = false;
            var ownEntries = new System.Collections.Concurrent.ConcurrentQueue<(INamedTypeSymbol Type, AttributeData Attribute, string Reference)>();

            // The compilation's own (not generated) [ProcessEntry] classes, checked for duplicates at the end.
            start.RegisterSymbolAction(c =>
            {
                var type = (INamedTypeSymbol)c.Symbol;
                if (KnownTypes.Find(type, types.ProcessEntry) is { } attribute && KnownTypes.FirstString(attribute) is { } reference)
                    ownEntries.Enqueue((type, attribute, reference));
            }, SymbolKind.NamedType);

            start.RegisterOperationAction(c =>
            {
                var invocation = (IInvocationOperation)c.Operation;
                var method = invocation.TargetMethod;
                if (method.Name == "Add" && method.Parameters.Length > 0 && method.Parameters[0].Type.SpecialType == SpecialType.System_String)
                {
                    if (KnownTypes.Is(method.ContainingType, types.EntryTable))
                        Register(invocation.Arguments, known.AddEntry, known.EntryRegistrationIsComputed);
                    else if (KnownTypes.Is(method.ContainingType, types.HostTable))
                        Register(invocation.Arguments, known.AddHost, known.HostRegistrationIsComputed);
                }
                if (method.ContainingNamespace?.ToDisplayString() == "Typed.Processes.Lua" &&
                    method.ContainingType.Name is "LuaApplication" or "LuaRuntimeExtensions")
                {
                    loadsManifests = true;
                }
                CollectUses(invocation.Arguments, types, known);
            }, OperationKind.Invocation);

            start.RegisterOperationAction(c =>
            {
                var creation = (IObjectCreationOperation)c.Operation;
                if (KnownTypes.Is(creation.Type, types.CSharpEntry) || KnownTypes.Is(creation.Type, types.LuaEntryDefinition))
                    Register(creation.Arguments, known.AddEntry, known.EntryRegistrationIsComputed);
                CollectUses(creation.Arguments, types, known);
            }, OperationKind.ObjectCreation);

            start.RegisterCompilationEndAction(end =>
            {
                known.AddDeclaredTypes(end.Compilation, types, end.CancellationToken);
                foreach (var attribute in end.Compilation.Assembly.GetAttributes())
                    if (KnownTypes.Is(attribute.AttributeClass, types.ProcessHost) && KnownTypes.FirstString(attribute) is { } host) known.AddHost(host);
                if (loadsManifests && !known.HasManifests)
                {
                    // Entries and hosts come from manifests the analyzer cannot see.
                    known.EntryRegistrationIsComputed();
                    known.HostRegistrationIsComputed();
                }
                ReportDuplicates(end, known, ownEntries.ToList());
                ReportUses(end, Diagnostics.UnknownEntry, known.EntryUses, known.Entries.ToImmutableHashSet(), known.EntriesIncomplete, "entry");
                ReportUses(end, Diagnostics.UnknownHost, known.HostUses, known.Hosts.ToImmutableHashSet(), known.HostsIncomplete || known.Hosts.Count == 0, "host");
            });
        });
    }

    /// <summary>Records the registration's first argument, or marks the set incomplete when it is not constant.</summary>
    private static void Register(ImmutableArray<IArgumentOperation> arguments, System.Action<string> add, System.Action computed)
    {
        var first = arguments.FirstOrDefault(a => a.Parameter?.Ordinal == 0);
        if (first?.Value.ConstantValue is { HasValue: true, Value: string reference }) add(reference);
        else computed();
    }

    private static void CollectUses(ImmutableArray<IArgumentOperation> arguments, KnownTypes types, KnownReferences known)
    {
        foreach (var argument in arguments)
        {
            if (argument.Parameter is not { } parameter) continue;
            if (argument.Value.ConstantValue is not { HasValue: true, Value: string reference }) continue;
            if (KnownTypes.Has(parameter, types.EntryReference)) known.UseEntry(reference, argument.Value.Syntax.GetLocation());
            else if (KnownTypes.Has(parameter, types.HostReference)) known.UseHost(reference, argument.Value.Syntax.GetLocation());
        }
    }

    private static void ReportDuplicates(CompilationAnalysisContext context, KnownReferences known,
        System.Collections.Generic.List<(INamedTypeSymbol Type, AttributeData Attribute, string Reference)> own)
    {
        foreach (var (type, attribute, reference) in own)
        {
            var others = own.Where(o => o.Reference == reference && !SymbolEqualityComparer.Default.Equals(o.Type, type))
                .Select(o => $"also by class '{o.Type.ToDisplayString()}'")
                .Concat(known.ManifestEntries.Where(m => m.Reference == reference)
                    .Select(m => $"also as a Lua entry in '{System.IO.Path.GetFileName(System.IO.Path.GetDirectoryName(m.Manifest))}/{System.IO.Path.GetFileName(m.Manifest)}'"))
                .ToList();
            // Lua marker types (emitted by the generator) stand for manifest entries: name them when the manifest is not seen.
            if (!known.ManifestEntries.Any(m => m.Reference == reference))
                others.AddRange(known.LuaMarkers.Where(m => m.Reference == reference).Select(m => $"also as the Lua entry type '{m.Type}'"));
            if (others.Count == 0) continue;
            var location = KnownTypes.LocationOf(attribute, type.Locations.FirstOrDefault());
            if (!location.IsInSource) continue;
            context.ReportDiagnostic(Diagnostic.Create(Diagnostics.DuplicateEntry, location, reference, string.Join(", ", others)));
        }
    }

    private static void ReportUses(CompilationAnalysisContext context, DiagnosticDescriptor descriptor,
        System.Collections.Generic.IEnumerable<(string Reference, Location Location)> uses, ImmutableHashSet<string> declared, bool incomplete, string what)
    {
        foreach (var (reference, location) in uses)
        {
            if (!ReferenceSyntax.IsValid(reference))
            {
                context.ReportDiagnostic(Diagnostic.Create(descriptor, location, reference, $"is malformed: {ReferenceSyntax.Expected}"));
            }
            else if (!incomplete && !declared.Contains(reference))
            {
                var nearest = KnownReferences.Nearest(reference, declared);
                var why = $"is not a declared {what}" + (nearest is null ? "" : $"; did you mean '{nearest}'?");
                context.ReportDiagnostic(Diagnostic.Create(descriptor, location, reference, why));
            }
        }
    }
}
