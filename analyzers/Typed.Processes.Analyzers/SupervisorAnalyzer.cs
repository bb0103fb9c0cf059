using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Typed.Processes.SourceModel;

namespace Typed.Processes.Analyzers;

/// <summary>
/// TP0013: what the shared supervisor rules (<see cref="SupervisorShape"/>, which the generator follows too) find wrong
/// with a [Supervisor] class. Children's entries and arguments need no rule here: the generated typed
/// <c>Child(...)</c> factories make a wrong entry or argument type a compiler error, and string references passed to
/// <c>new ChildSpec(...)</c> are TP0002/TP0003.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class SupervisorAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Diagnostics.InvalidSupervisor);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            if (KnownTypes.Create(start.Compilation) is not { Supervisor: not null }) return;
            start.RegisterSymbolAction(c =>
            {
                if (SupervisorShape.Read((INamedTypeSymbol)c.Symbol, c.Compilation, c.CancellationToken) is not { } shape) return;
                foreach (var (location, message) in shape.Problems)
                    c.ReportDiagnostic(Diagnostic.Create(Diagnostics.InvalidSupervisor, location, message));
            }, SymbolKind.NamedType);
        });
    }
}
