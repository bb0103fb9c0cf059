using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Typed.Processes.Analyzers;

namespace Typed.Processes.Generators.Tests;

/// <summary>
/// One table of references, one answer each, in three places: the runtime (<c>EntryReference.IsValid</c>), the
/// generator (which serves an entry or host only when its reference is valid) and the analyzers (TP0008).
/// </summary>
public class ReferenceRuleTests
{
    public static TheoryData<string, bool> Table => new()
    {
        { "app:echo", true },
        { "a:b", true },
        { "my-app.v2:echo_1", true },
        { "App.Workers:Echo-2", true },
        { "app:echo!", false },
        { " app:echo", false },
        { "app:echo ", false },
        { "app: echo", false },
        { "app:echo\t", false },
        { "app:écho", false },
        { "app:эхо", false },
        { "app:echo\u0661", false },
        { "a:b:c", false },
        { ":x", false },
        { "x:", false },
        { ":", false },
        { "", false },
        { "echo", false },
        { ".app:echo", false },
        { "app.:echo", false },
        { "app:.echo", false },
        { "app:echo.", false },
        { "app:{echo}", false },
        { "app|x:y", false },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void Runtime_answers_as_the_table(string reference, bool valid) =>
        Assert.Equal(valid, EntryReference.IsValid(reference));

    [Theory]
    [MemberData(nameof(Table))]
    public void Generator_serves_an_entry_only_with_a_valid_reference(string reference, bool valid)
    {
        var files = GeneratorHarness.Run(EntrySource(reference));
        Assert.Equal(valid, files.Any(f => f.HintName != "ProcessReferences.g.cs"));
    }

    [Theory]
    [MemberData(nameof(Table))]
    public void Generator_registers_a_host_only_with_a_valid_reference(string reference, bool valid)
    {
        var files = GeneratorHarness.Run(HostSource(reference));
        var references = files.Single(f => f.HintName == "ProcessReferences.g.cs").Source;
        Assert.Equal(valid, references.Contains("runtime.Hosts.Add(" + Literal(reference), StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Table))]
    public async Task Analyzer_flags_an_entry_reference_unless_valid(string reference, bool valid)
    {
        var diagnostics = await AnalyzeAsync(EntrySource(reference));
        Assert.Equal(valid, !diagnostics.Any(d => d.Id == "TP0008"));
    }

    [Theory]
    [MemberData(nameof(Table))]
    public async Task Analyzer_flags_a_host_reference_unless_valid(string reference, bool valid)
    {
        var diagnostics = await AnalyzeAsync(HostSource(reference));
        Assert.Equal(valid, !diagnostics.Any(d => d.Id == "TP0008"));
    }

    private static string Literal(string text) => SymbolDisplay.FormatLiteral(text, quote: true);

    private static string EntrySource(string reference) => $$"""
        using Typed.Processes;

        [ProcessEntry({{Literal(reference)}})]
        public partial class Entry
        {
            [ProcessMain] public void Run() { }
        }
        """;

    private static string HostSource(string reference) => $$"""
        using Typed.Processes;

        [assembly: ProcessHost({{Literal(reference)}})]
        """;

    private static async Task<ImmutableArray<Diagnostic>> AnalyzeAsync(string source) =>
        await GeneratorHarness.Compilation(source)
            .WithAnalyzers([new EntryClassAnalyzer()])
            .GetAnalyzerDiagnosticsAsync(TestContext.Current.CancellationToken);
}
