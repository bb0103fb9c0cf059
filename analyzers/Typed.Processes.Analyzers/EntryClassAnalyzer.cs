using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Typed.Processes.SourceModel;

namespace Typed.Processes.Analyzers;

/// <summary>
/// Reports what the shared entry-shape rules (<c>EntryShape</c>) find wrong with [ProcessEntry] classes: handler
/// signatures (TP0005), partial declarations (TP0007), and that the class can be instantiated and has a well-formed
/// reference (TP0008); and malformed [assembly: ProcessHost] references (TP0008).
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
            start.RegisterSymbolAction(AnalyzeType, SymbolKind.NamedType);
            start.RegisterSyntaxNodeAction(c => AnalyzeHostAttribute(c, types), SyntaxKind.Attribute);
        });
    }

    private static void AnalyzeType(SymbolAnalysisContext context)
    {
        if (EntryShape.Read((INamedTypeSymbol)context.Symbol, context.CancellationToken) is not { } shape) return;
        foreach (var problem in shape.Problems)
            context.ReportDiagnostic(Diagnostic.Create(Descriptor(problem.Rule), problem.Location, problem.Arguments));
    }

    private static DiagnosticDescriptor Descriptor(EntryRule rule) => rule switch
    {
        EntryRule.InvalidHandler => Diagnostics.InvalidHandler,
        EntryRule.NotPartial => Diagnostics.NotPartial,
        _ => Diagnostics.InvalidEntry,
    };

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
}
