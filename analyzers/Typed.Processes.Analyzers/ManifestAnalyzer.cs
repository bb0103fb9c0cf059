using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using Typed.Processes.SourceModel;

namespace Typed.Processes.Analyzers;

/// <summary>
/// TP0009: an <c>_index.yaml</c> manifest among the AdditionalFiles has errors. Each error is reported at its line of
/// the manifest, with the text the runtime's loader gives for it (both use the shared <see cref="ManifestReader"/>).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ManifestAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Diagnostics.UnreadableManifest);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            if (KnownTypes.Create(start.Compilation) is null) return;
            start.RegisterAdditionalFileAction(Analyze);
        });
    }

    private static void Analyze(AdditionalFileAnalysisContext context)
    {
        var file = context.AdditionalFile;
        if (!LuaManifest.IsManifest(file.Path) || file.GetText(context.CancellationToken) is not { } text) return;
        foreach (var error in LuaManifest.Read(file.Path, text.ToString()).Errors)
            context.ReportDiagnostic(Diagnostic.Create(Diagnostics.UnreadableManifest, LineLocation(file.Path, text, error.Line), error.Message));
    }

    /// <summary>The text of the 1-based <paramref name="line"/> without its indentation; the file's start for line 0.</summary>
    private static Location LineLocation(string path, SourceText text, int line)
    {
        if (line < 1 || line > text.Lines.Count) return Location.Create(path, new TextSpan(0, 0), new LinePositionSpan(LinePosition.Zero, LinePosition.Zero));
        var span = text.Lines[line - 1].Span;
        int start = span.Start;
        while (start < span.End && char.IsWhiteSpace(text[start])) start++;
        var result = TextSpan.FromBounds(start, span.End);
        return Location.Create(path, result, text.Lines.GetLinePositionSpan(result));
    }
}
