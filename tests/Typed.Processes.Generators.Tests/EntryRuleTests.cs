using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Typed.Processes.Analyzers;

namespace Typed.Processes.Generators.Tests;

/// <summary>
/// The generator and the analyzers read entry classes by the same rules: a method the generated code calls draws no
/// diagnostic, and a method (or class) the analyzers flag gets no generated call.
/// </summary>
public class EntryRuleTests
{
    /// <summary>Sources of an entry class with a method <c>M</c> of interest; whether the rules accept <c>M</c>.</summary>
    public static TheoryData<string, string, bool> Cases => new()
    {
        { "valid topic handler", """
            [ProcessEntry("app:e")]
            public partial class E { [Topic("t")] public void M(string text) { } }
            """, true },
        { "call handler returning its reply", """
            [ProcessEntry("app:e")]
            public partial class E { [Topic("t")] public long M(string text) => text.Length; }
            """, true },
        { "call handler returning a ValueTask of its reply, declaring the same Reply", """
            [ProcessEntry("app:e")]
            public partial class E { [Topic("t", Reply = typeof(string))] public System.Threading.Tasks.ValueTask<string?> M() => default; }
            """, true },
        { "call handler answering later, declaring its Reply", """
            [ProcessEntry("app:e")]
            public partial class E { [Topic("t", Reply = typeof(long))] public void M(MessageContext ctx) { } }
            """, true },
        { "call handler whose returned type and Reply disagree", """
            [ProcessEntry("app:e")]
            public partial class E { [Topic("t", Reply = typeof(long))] public System.Threading.Tasks.Task<int> M() => System.Threading.Tasks.Task.FromResult(1); }
            """, false },
        { "call handler declaring Reply = typeof(void)", """
            [ProcessEntry("app:e")]
            public partial class E { [Topic("t", Reply = typeof(void))] public void M() { } }
            """, false },
        { "call handler declaring an open generic Reply", """
            [ProcessEntry("app:e")]
            public partial class E { [Topic("t", Reply = typeof(System.Collections.Generic.List<>))] public void M() { } }
            """, false },
        { "call handler returning a runtime object", """
            [ProcessEntry("app:e")]
            public partial class E { [Topic("t")] public ProcessContext M(MessageContext ctx) => ctx.Process; }
            """, false },
        { "inbox returning a value", """
            [ProcessEntry("app:e")]
            public partial class E { [Inbox] public int M(Message message) => 1; }
            """, false },
        { "only a private constructor taking a ProcessContext", """
            [ProcessEntry("app:e")]
            public partial class E
            {
                private E(ProcessContext context) { }
                public E(int value) { }
                [Topic("t")] public void M(string text) { }
            }
            """, true },
        { "partial record", """
            [ProcessEntry("app:e")]
            public partial record E { [Topic("t")] public void M(string text) { } }
            """, true },
        { "topic handler with an in parameter", """
            [ProcessEntry("app:e")]
            public partial class E { [Topic("t")] public void M(in int value) { } }
            """, false },
        { "topic handler with a ref struct payload", """
            [ProcessEntry("app:e")]
            public partial class E { [Topic("t")] public void M(System.Span<int> values) { } }
            """, false },
        { "main with a params argument", """
            [ProcessEntry("app:e")]
            public partial class E { [ProcessMain] public void M(params int[] values) { } }
            """, false },
        { "main with a ref struct argument", """
            [ProcessEntry("app:e")]
            public partial class E { [ProcessMain] public void M(System.ReadOnlySpan<char> text) { } }
            """, false },
        { "inbox taking the context first", """
            [ProcessEntry("app:e")]
            public partial class E { [Inbox] public void M(MessageContext context, Message message) { } }
            """, false },
        { "static topic handler", """
            [ProcessEntry("app:e")]
            public partial class E { [Topic("t")] public static void M(string text) { } }
            """, false },
        { "exit handler taking the pid, result, error and context", """
            [ProcessEntry("app:e")]
            public partial class E { [OnExit] public void M(Pid pid, object? result, string? error, MessageContext ctx) { } }
            """, true },
        { "exit handler taking an int", """
            [ProcessEntry("app:e")]
            public partial class E { [OnExit] public void M(int result) { } }
            """, false },
        { "second exit handler", """
            [ProcessEntry("app:e")]
            public partial class E { [OnExit] public void A() { } [OnExit] public void M(ProcessEvent e) { } }
            """, false },
        { "exit handler returning a value", """
            [ProcessEntry("app:e")]
            public partial class E { [OnExit] public int M(Pid pid) => 0; }
            """, false },
        { "cancel handler with the deadline token", """
            [ProcessEntry("app:e")]
            public partial class E { [OnCancel] public Task M(string reason, System.DateTimeOffset? deadline, System.Threading.CancellationToken token) => Task.CompletedTask; }
            """, true },
        { "link-down handler taking a result", """
            [ProcessEntry("app:e")]
            public partial class E { [OnLinkDown] public void M(Pid pid, object? result) { } }
            """, false },
        { "topic handler taking a cancellation token", """
            [ProcessEntry("app:e")]
            public partial class E { [Topic("t")] public void M(string text, System.Threading.CancellationToken token) { } }
            """, true },
        { "topic handler taking two cancellation tokens", """
            [ProcessEntry("app:e")]
            public partial class E { [Topic("t")] public void M(System.Threading.CancellationToken a, System.Threading.CancellationToken b) { } }
            """, false },
        { "inbox taking a cancellation token", """
            [ProcessEntry("app:e")]
            public partial class E { [Inbox] public void M(Message message, MessageContext context, System.Threading.CancellationToken token) { } }
            """, true },
        { "abstract class", """
            [ProcessEntry("app:e")]
            public abstract partial class E { [Topic("t")] public void M(string text) { } }
            """, false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Generator_calls_the_method_only_when_the_rules_accept_it(string name, string source, bool valid)
    {
        var files = GeneratorHarness.Run(Usings + source);
        var calls = files.Any(f => f.Source.Contains("instance.M(", StringComparison.Ordinal));
        Assert.True(valid == calls, $"{name}: the generator {(calls ? "calls" : "does not call")} M");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Analyzer_flags_the_entry_only_when_the_rules_refuse_it(string name, string source, bool valid)
    {
        var diagnostics = await GeneratorHarness.Compilation(Usings + source)
            .WithAnalyzers([new EntryClassAnalyzer()])
            .GetAnalyzerDiagnosticsAsync(TestContext.Current.CancellationToken);
        var flagged = diagnostics.Where(d => d.Id is "TP0005" or "TP0007" or "TP0008").Select(d => d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.True(valid == (flagged.Count == 0), $"{name}: {(flagged.Count == 0 ? "no diagnostic" : string.Join("; ", flagged))}");
    }

    private const string Usings = """
        using System.Threading.Tasks;
        using Typed.Processes;

        """;
}
