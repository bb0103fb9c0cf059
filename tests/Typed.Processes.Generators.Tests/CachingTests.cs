using System.Collections;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Typed.Processes.Generators.Tests;

/// <summary>The pipeline is incremental: unrelated edits are served from cache, relevant ones re-run the right steps.</summary>
public class CachingTests
{
    private const string Entry = """
        using Typed.Processes;
        namespace App;
        [ProcessEntry("app:echo")]
        public partial class Echo
        {
            [Topic("ping")] void OnPing(int n, MessageContext ctx) => ctx.Reply("pong", n);
        }
        """;

    private const string Unrelated = """
        namespace App;
        public static class Helper { public static int Twice(int x) => x * 2; }
        """;

    private static readonly string[] Tracked =
    [
        ProcessEntryGenerator.Steps.Entries, ProcessEntryGenerator.Steps.Manifests,
        ProcessEntryGenerator.Steps.LuaSources, ProcessEntryGenerator.Steps.ManifestTypes, ProcessEntryGenerator.Steps.Application,
    ];

    [Fact]
    public void An_unrelated_edit_is_served_from_the_cache()
    {
        var compilation = GeneratorHarness.Compilation(Entry, Unrelated);
        var driver = GeneratorHarness.Driver(LuaApp.Files()).RunGenerators(compilation);
        var edited = Replace(compilation, 1, Unrelated.Replace("x * 2", "x + x"));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        foreach (var step in Tracked)
        {
            var outputs = result.TrackedSteps[step].SelectMany(s => s.Outputs).ToList();
            Assert.NotEmpty(outputs);
            Assert.All(outputs, o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {o.Reason}"));
        }
        Assert.All(result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs),
            o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }

    [Fact]
    public void A_new_handler_reruns_the_entry_but_not_the_reference_table()
    {
        var compilation = GeneratorHarness.Compilation(Entry, Unrelated);
        var driver = GeneratorHarness.Driver().RunGenerators(compilation);
        var edited = Replace(compilation, 0, Entry.Replace("    [Topic(\"ping\")]", "    [Topic(\"stop\")] void OnStop() { }\n    [Topic(\"ping\")]"));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        Assert.Contains(result.TrackedSteps[ProcessEntryGenerator.Steps.Entries].SelectMany(s => s.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
        // The reference table depends only on entry references, which did not change.
        Assert.All(result.TrackedSteps[ProcessEntryGenerator.Steps.Application].SelectMany(s => s.Outputs),
            o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, o.Reason.ToString()));
        Assert.Contains("SendStop", result.GeneratedSources.Single(s => s.HintName.StartsWith("App.Echo", StringComparison.Ordinal)).SourceText.ToString());
    }

    [Fact]
    public void A_changed_reference_or_manifest_reruns_the_reference_table()
    {
        var compilation = GeneratorHarness.Compilation(Entry);
        var driver = GeneratorHarness.Driver(LuaApp.Files()).RunGenerators(compilation);
        var result = driver.RunGenerators(Replace(compilation, 0, Entry.Replace("app:echo", "app:echo2"))).GetRunResult().Results.Single();
        Assert.Contains(result.TrackedSteps[ProcessEntryGenerator.Steps.Application].SelectMany(s => s.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains("app:echo2", result.GeneratedSources.Single(s => s.HintName == "ProcessReferences.g.cs").SourceText.ToString());

        var lua = LuaApp.Files();
        var driver2 = GeneratorHarness.Driver(lua).RunGenerators(compilation);
        driver2 = driver2.ReplaceAdditionalText(lua[1], new GeneratorHarness.Text(lua[1].Path, LuaApp.TaskWorker.Replace("'stop'", "'halt'")));
        var result2 = driver2.RunGenerators(compilation).GetRunResult().Results.Single();
        Assert.Contains(result2.TrackedSteps[ProcessEntryGenerator.Steps.LuaSources].SelectMany(s => s.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains("SendHalt", result2.GeneratedSources.Single(s => s.HintName == "LuaEntries.g.cs").SourceText.ToString());
    }

    [Fact]
    public void Pipeline_models_hold_no_roslyn_objects()
    {
        var compilation = GeneratorHarness.Compilation(Entry);
        var result = GeneratorHarness.Driver(LuaApp.Files()).RunGenerators(compilation).GetRunResult().Results.Single();
        int checkedValues = 0;
        foreach (var step in Tracked)
            foreach (var (value, _) in result.TrackedSteps[step].SelectMany(s => s.Outputs))
            {
                AssertNoRoslynObjects(value, new HashSet<object>(ReferenceEqualityComparer.Instance), step);
                checkedValues++;
            }
        Assert.True(checkedValues >= 4);
    }

    private static void AssertNoRoslynObjects(object? value, HashSet<object> seen, string path)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum || !seen.Add(value)) return;
        var type = value.GetType();
        Assert.False(value is ISymbol or SyntaxNode or Location or Compilation or SemanticModel or SyntaxTree, $"{path} holds a {type.Name}");
        if (value is IEnumerable items)
        {
            foreach (var item in items) AssertNoRoslynObjects(item, seen, path + "[]");
            return;
        }
        foreach (var field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
            AssertNoRoslynObjects(field.GetValue(value), seen, path + "." + field.Name);
    }

    private static CSharpCompilation Replace(CSharpCompilation compilation, int index, string source)
    {
        var old = compilation.SyntaxTrees.ElementAt(index);
        return compilation.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(source, GeneratorHarness.ParseOptions, old.FilePath));
    }
}
