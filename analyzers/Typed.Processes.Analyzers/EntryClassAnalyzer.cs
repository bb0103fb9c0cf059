using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Typed.Processes.SourceModel;

namespace Typed.Processes.Analyzers;

/// <summary>
/// Checks [ProcessEntry] classes: handler signatures (TP0005), partial declarations (TP0007), and that the class can be
/// instantiated and has a well-formed reference (TP0008).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class EntryClassAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(Diagnostics.InvalidHandler, Diagnostics.NotPartial, Diagnostics.InvalidEntry);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            if (KnownTypes.Create(start.Compilation) is not { } types) return;
            start.RegisterSymbolAction(c => AnalyzeType(c, types), SymbolKind.NamedType);
            start.RegisterSyntaxNodeAction(c => AnalyzeHostAttribute(c, types), SyntaxKind.Attribute);
        });
    }

    private static void AnalyzeType(SymbolAnalysisContext context, KnownTypes types)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (KnownTypes.Find(type, types.ProcessEntry) is not { } attribute) return;
        var location = type.Locations.FirstOrDefault() ?? Location.None;
        var reference = KnownTypes.FirstString(attribute);

        if (!ReferenceSyntax.IsValid(reference))
        {
            context.ReportDiagnostic(Diagnostic.Create(Diagnostics.InvalidEntry, KnownTypes.LocationOf(attribute, location),
                $"Entry reference '{reference}' of '{type.Name}' is malformed: {ReferenceSyntax.Expected}"));
        }
        CheckPartial(context, type, reference ?? type.Name);
        CheckInstantiable(context, type, types, location);
        CheckHandlers(context, type, types);
    }

    /// <summary>TP0008 for a malformed reference in <c>[assembly: ProcessHost("...")]</c>.</summary>
    private static void AnalyzeHostAttribute(SyntaxNodeAnalysisContext context, KnownTypes types)
    {
        var attribute = (AttributeSyntax)context.Node;
        if (attribute.ArgumentList is not { Arguments.Count: > 0 } arguments) return;
        if (context.SemanticModel.GetSymbolInfo(attribute, context.CancellationToken).Symbol is not IMethodSymbol constructor ||
            !KnownTypes.Is(constructor.ContainingType, types.ProcessHost)) return;
        var argument = arguments.Arguments[0];
        var value = context.SemanticModel.GetConstantValue(argument.Expression, context.CancellationToken);
        if (!value.HasValue || ReferenceSyntax.IsValid(value.Value as string)) return;
        context.ReportDiagnostic(Diagnostic.Create(Diagnostics.InvalidEntry, argument.GetLocation(),
            $"Host reference '{value.Value}' in [ProcessHost] is malformed: {ReferenceSyntax.Expected}"));
    }

    private static void CheckPartial(SymbolAnalysisContext context, INamedTypeSymbol type, string reference)
    {
        for (var t = type; t is not null; t = t.ContainingType)
        {
            if (IsPartial(t)) continue;
            // One diagnostic, on the entry class; the code fix makes every type in the chain partial.
            var kind = SymbolEqualityComparer.Default.Equals(t, type) ? "Entry class" : "Containing type";
            context.ReportDiagnostic(Diagnostic.Create(Diagnostics.NotPartial, type.Locations.FirstOrDefault(), kind, t.Name, reference));
            return;
        }
    }

    /// <summary>True if every declaration of <paramref name="type"/> has the <c>partial</c> modifier.</summary>
    internal static bool IsPartial(INamedTypeSymbol type)
    {
        foreach (var reference in type.DeclaringSyntaxReferences)
            if (reference.GetSyntax() is TypeDeclarationSyntax declaration && !declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
                return false;
        return true;
    }

    private static void CheckInstantiable(SymbolAnalysisContext context, INamedTypeSymbol type, KnownTypes types, Location location)
    {
        void Report(string why) =>
            context.ReportDiagnostic(Diagnostic.Create(Diagnostics.InvalidEntry, location, $"Entry class '{type.Name}' cannot be instantiated: {why}"));

        if (type.TypeKind != TypeKind.Class) { Report("it is not a class"); return; }
        if (type.IsStatic) { Report("it is static"); return; }
        if (type.IsAbstract) Report("it is abstract");
        if (type.IsGenericType || ContainingGeneric(type)) Report("it is generic (or nested in a generic type)");
        bool usable = type.InstanceConstructors.Any(c =>
            c.Parameters.Length == 0 || (c.Parameters.Length == 1 && KnownTypes.Is(c.Parameters[0].Type, types.ProcessContext)));
        if (!usable) Report("it needs a parameterless constructor or one taking a single ProcessContext");
    }

    private static bool ContainingGeneric(INamedTypeSymbol type)
    {
        for (var t = type.ContainingType; t is not null; t = t.ContainingType)
            if (t.IsGenericType) return true;
        return false;
    }

    private static void CheckHandlers(SymbolAnalysisContext context, INamedTypeSymbol type, KnownTypes types)
    {
        var methods = type.GetMembers().OfType<IMethodSymbol>().ToArray();
        bool hasHandlers = methods.Any(m => KnownTypes.Has(m, types.Topic) || KnownTypes.Has(m, types.Inbox));
        var topics = new HashSet<string>(System.StringComparer.Ordinal);
        bool sawInbox = false, sawMain = false;

        foreach (var method in methods)
        {
            var location = method.Locations.FirstOrDefault() ?? Location.None;
            void Report(string what) =>
                context.ReportDiagnostic(Diagnostic.Create(Diagnostics.InvalidHandler, location, method.Name, what));

            if (KnownTypes.Find(method, types.Topic) is { } topicAttribute)
            {
                var topic = KnownTypes.FirstString(topicAttribute);
                if (string.IsNullOrEmpty(topic)) Report("the topic name is empty");
                else if (!topics.Add(topic!)) Report($"another handler in '{type.Name}' already handles topic '{topic}'");
                CheckCommon(method, Report);
                if (method.Parameters.Count(p => KnownTypes.Is(p.Type, types.MessageContext)) > 1)
                    Report("a [Topic] handler takes at most one MessageContext parameter");
                if (method.Parameters.Count(p => !KnownTypes.Is(p.Type, types.MessageContext)) > 1)
                    Report("a [Topic] handler takes at most one payload parameter (plus an optional MessageContext)");
                if (!ReturnsVoidOrTask(method, types)) Report("a [Topic] handler must return void, Task or ValueTask");
            }
            if (KnownTypes.Has(method, types.Inbox))
            {
                if (sawInbox) Report($"'{type.Name}' already has an [Inbox] handler; a class has at most one");
                sawInbox = true;
                CheckCommon(method, Report);
                var ps = method.Parameters;
                bool shape = (ps.Length == 1 || ps.Length == 2) && KnownTypes.Is(ps[0].Type, types.Message) &&
                             (ps.Length == 1 || KnownTypes.Is(ps[1].Type, types.MessageContext));
                if (!shape) Report("an [Inbox] handler takes (Message) or (Message, MessageContext)");
                if (!ReturnsVoidOrTask(method, types)) Report("an [Inbox] handler must return void, Task or ValueTask");
            }
            if (KnownTypes.Has(method, types.ProcessMain))
            {
                if (sawMain) Report($"'{type.Name}' already has a [ProcessMain] method; a class has at most one");
                sawMain = true;
                CheckCommon(method, Report);
                if (hasHandlers && !ReturnsVoidOrTask(method, types))
                    Report("a [ProcessMain] method of a class with [Topic] or [Inbox] handlers must return void, Task or ValueTask");
            }
        }
    }

    private static void CheckCommon(IMethodSymbol method, System.Action<string> report)
    {
        if (method.IsStatic) report("it must be an instance method");
        if (method.IsGenericMethod) report("it must not be generic");
        if (method.Parameters.Any(p => p.RefKind is RefKind.Ref or RefKind.Out))
            report("its parameters must not be ref or out");
    }

    private static bool ReturnsVoidOrTask(IMethodSymbol method, KnownTypes types) =>
        method.ReturnsVoid || KnownTypes.Is(method.ReturnType, types.Task) || KnownTypes.Is(method.ReturnType, types.ValueTask);
}
