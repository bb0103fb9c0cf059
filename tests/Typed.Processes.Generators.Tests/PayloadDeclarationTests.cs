using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Typed.Processes.Analyzers;

namespace Typed.Processes.Generators.Tests;

/// <summary>
/// The generator declares every type of the compilation proven deeply immutable (a module initializer), and exactly
/// the types the TP0010 analyzer accepts as payloads: one rule, <c>ImmutabilityProver</c>.
/// </summary>
public class PayloadDeclarationTests
{
    private const string Usings = """
        using System.Collections.Generic;
        using System.Collections.Immutable;
        using Typed.Processes;

        """;

    [Fact]
    public void Payload_declarations()
    {
        var files = GeneratorHarness.Run(Usings + """
            namespace App.Contracts
            {
                public sealed record Line(string Sku, int Qty);
                public record Order(string Id, ImmutableArray<Line> Lines, Line? First);
                public readonly record struct Point(int X, int Y);
                public readonly struct Money { public readonly decimal Amount; public Money(decimal a) => Amount = a; }
                public sealed class Ping { public int Seq { get; init; } }
                public sealed record Box<T>(T Value);
                public sealed record Node(string Name, ImmutableList<Node> Children);
                public static class Outer { public sealed record Inner(int A); internal sealed record Hidden(int A); private sealed record Secret(int A); }

                // Not declared: mutable, already known to the runtime, not data.
                public sealed record Bag(List<int> Items);
                public sealed class Counter { public int Count; }
                public record struct Settable(int X);
                [Immutable] public sealed class Trusted { public List<int> Items = new(); }
                public static class Helpers { }
                public interface IShape { }
                public enum Color { Red }
            }

            [ProcessEntry("app:echo")]
            public partial class Echo
            {
                [Topic("ping")] void OnPing(App.Contracts.Ping ping, MessageContext ctx) => ctx.Reply("pong", ping);
            }
            """);
        Snapshot.Verify(files.Where(f => f.HintName == "PayloadDeclarations.g.cs").ToList());
    }

    [Fact]
    public void No_declarations_file_when_nothing_is_proven()
    {
        var files = GeneratorHarness.Run(Usings + """
            public sealed class Counter { public int Count; }
            """);
        Assert.DoesNotContain(files, f => f.HintName == "PayloadDeclarations.g.cs");
    }

    /// <summary>A type declaration <c>T</c> (and what it needs); whether it is deeply immutable.</summary>
    public static TheoryData<string, string, bool> Cases => new()
    {
        { "positional record", "public sealed record T(string A, int B);", true },
        { "record with an immutable array of records", "public sealed record L(int Q); public sealed record T(ImmutableArray<L> Lines);", true },
        { "record with a list", "public sealed record T(List<int> Items);", false },
        { "immutable array of a mutable class", "public sealed class L { public int Q; } public sealed record T(ImmutableArray<L> Lines);", false },
        { "class with a settable field", "public sealed class T { public int Q; }", false },
        { "class with a settable property", "public sealed class T { public int Q { get; set; } }", false },
        { "class with an init-only property", "public sealed class T { public int Q { get; init; } }", true },
        { "class with a readonly field", "public sealed class T { public readonly string Name = \"\"; }", true },
        { "record struct (settable)", "public record struct T(int X);", false },
        { "readonly record struct", "public readonly record struct T(int X);", true },
        { "readonly struct", "public readonly struct T { public readonly int X; }", true },
        { "record with an array", "public sealed record T(int[] Values);", false },
        { "record with an object", "public sealed record T(object Tag);", false },
        { "record with an interface", "public sealed record T(IEnumerable<int> Items);", false },
        { "record of a mutable base", "public class B { public int Q; } public sealed class T : B { }", false },
        { "record of an immutable base", "public abstract record B(int Q); public sealed record T(int Q, string S) : B(Q);", true },
        { "self-referencing record", "public sealed record T(string Name, ImmutableList<T> Children);", true },
        { "private nested record", "public static class O { private sealed record P(int A); public static object Make() => new P(1); } public sealed record T(int A) { }", true },
        { "empty class", "public sealed class T { }", true },
        { "record with a Pid", "public sealed record T(Pid Worker, string Topic);", true },
        { "record with a nullable struct", "public readonly record struct S(int A); public sealed record T(S? Value, int? N);", true },
        { "record with a delegate", "public sealed record T(System.Action Callback);", false },
        { "record with a tuple", "public sealed record T((int, string) Pair);", false },
        { "class capturing a primary constructor parameter", "public sealed class T(int c) { public int Next() => ++c; }", false },
        { "class initialised from a primary constructor parameter", "public sealed class T(string n) { public string N { get; } = n; }", true },
        { "generic record", "public sealed record T(Box<string> Name); public sealed record Box<V>(V Value);", true },
        { "generic record of a mutable argument", "public sealed record T(Box<List<int>> Items); public sealed record Box<V>(V Value);", false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Generator_declares_exactly_the_types_the_analyzer_accepts(string name, string declarations, bool immutable)
    {
        var source = Usings + declarations + """

            static class Sender
            {
                static void Send(ProcessContext ctx, Pid pid, T value) => ctx.Send(pid, "t", value);
            }
            """;
        var files = GeneratorHarness.Run(source);
        var declared = files.Any(f => f.HintName == "PayloadDeclarations.g.cs" && f.Source.Contains("DeclareImmutable(typeof(global::T));", StringComparison.Ordinal));

        var diagnostics = await GeneratorHarness.Compilation(source)
            .WithAnalyzers([new PayloadAnalyzer()])
            .GetAnalyzerDiagnosticsAsync(TestContext.Current.CancellationToken);
        var flagged = diagnostics.Where(d => d.Id == "TP0010").Select(d => d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)).ToList();

        Assert.True(declared == immutable, $"{name}: the generator {(declared ? "declares" : "does not declare")} T");
        Assert.True(flagged.Count == 0 == immutable, $"{name}: {(flagged.Count == 0 ? "no diagnostic" : string.Join("; ", flagged))}");
    }

    [Fact]
    public void An_unrelated_edit_keeps_the_declarations_cached_and_a_relevant_one_updates_them()
    {
        const string contracts = "namespace App; public sealed record Line(string Sku, int Qty);";
        const string unrelated = "namespace App; public static class Helper { public static int Twice(int x) => x * 2; }";
        var compilation = GeneratorHarness.Compilation(contracts, unrelated);
        var driver = GeneratorHarness.Driver().RunGenerators(compilation);

        var result = driver.RunGenerators(Replace(compilation, 1, unrelated.Replace("x * 2", "x + x"))).GetRunResult().Results.Single();
        foreach (var step in new[] { ProcessEntryGenerator.Steps.PayloadTypes, ProcessEntryGenerator.Steps.PayloadDeclarations })
            Assert.All(result.TrackedSteps[step].SelectMany(s => s.Outputs),
                o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {o.Reason}"));
        Assert.All(result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs), o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));

        // A field made settable: the record is no longer declared.
        var mutable = driver.RunGenerators(Replace(compilation, 0, "namespace App; public sealed record Line(string Sku) { public int Qty; }")).GetRunResult().Results.Single();
        Assert.Contains(mutable.TrackedSteps[ProcessEntryGenerator.Steps.PayloadDeclarations].SelectMany(s => s.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.DoesNotContain(mutable.GeneratedSources, s => s.HintName == "PayloadDeclarations.g.cs");
    }

    private static CSharpCompilation Replace(CSharpCompilation compilation, int index, string source)
    {
        var old = compilation.SyntaxTrees.ElementAt(index);
        return compilation.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(source, GeneratorHarness.ParseOptions, old.FilePath));
    }
}
