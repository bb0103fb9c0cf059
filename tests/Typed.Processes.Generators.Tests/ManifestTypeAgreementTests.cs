using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Typed.Processes.Analyzers;

namespace Typed.Processes.Generators.Tests;

/// <summary>
/// A type typo in a manifest is one error, TP0012 at the manifest's line, never an error inside generated code: the
/// generator and the analyzer decide which types exist with the same code (Shared/ManifestTypes.cs).
/// </summary>
public class ManifestTypeAgreementTests
{
    private const string Manifest = """
        namespace: app
        entries:
          - name: worker
            kind: process.lua
            source: file://worker.lua
            meta:
              topics:
                order: Order
                task: Strng
              args: [long, Ordr]
        """;

    [Fact]
    public async Task A_type_typo_is_only_TP0012_at_the_manifest_line()
    {
        var additional = new AdditionalText[]
        {
            new GeneratorHarness.Text("/app/_index.yaml", Manifest),
            new GeneratorHarness.Text("/app/worker.lua", "return { main = function() end }"),
        };
        // A type of the root namespace counts: the generated Lua file is in it.
        var compilation = GeneratorHarness.Compilation("namespace UserProject; public sealed record Order(string Id);");
        GeneratorHarness.Driver(additional).RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);

        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        var options = new AnalyzerOptions([.. additional], new GeneratorHarness.Options("UserProject"));
        var diagnostics = await output.WithAnalyzers([new ManifestAnalyzer()], options).GetAnalyzerDiagnosticsAsync(TestContext.Current.CancellationToken);
        Assert.Equal(
            ["TP0012 /app/_index.yaml:9 Strng", "TP0012 /app/_index.yaml:10 Ordr"],
            diagnostics.OrderBy(d => d.Location.GetLineSpan().StartLinePosition.Line)
                .Select(d => $"{d.Id} {d.Location.GetLineSpan().Path}:{d.Location.GetLineSpan().StartLinePosition.Line + 1} {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture).Split('\'')[1]}"));
        var lua = output.SyntaxTrees.Single(t => t.FilePath.EndsWith("LuaEntries.g.cs", StringComparison.Ordinal)).ToString();
        Assert.Contains("global::Typed.Processes.Pid<LuaEntries.App.Worker> to, Order payload", lua);
        Assert.Contains("global::Typed.Processes.Pid<LuaEntries.App.Worker> to, object? payload", lua);
        Assert.Contains("host, long arg1, object? arg2)", lua);
    }
}
