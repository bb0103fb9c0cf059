using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Typed.Processes.EndToEnd;

/// <summary>A positional record with no attribute, taken by no handler: proven immutable, so it may be sent.</summary>
public sealed record Quote(string Sku, decimal Price);

/// <summary>Issue 11, item 4: payload safety at compile time, and records that need no attribute wherever they are sent.</summary>
public sealed class PayloadSafetyTests() : RuntimeTestBase(withLuaApp: false)
{
    [Fact]
    public async Task A_record_without_attribute_is_sent_replied_and_received_by_a_typed_listener()
    {
        // A hand-written process (no [Topic] handler takes Quote, so only the module initializer declares it).
        Runtime.Entries.Add("test:quoter", async ctx =>
        {
            var asks = ctx.ListenMessages("ask");
            var ask = await asks.ReceiveAsync();
            ctx.Send(ask.From!, "quote", new Quote((string)ask.Payload!, 9.5m)).ThrowIfFailed();
            var call = await asks.ReceiveAsync();
            call.Reply(new Quote((string)call.Payload!, 1.25m)).ThrowIfFailed();
            return null;
        });
        Runtime.Entries.Add("test:quotes", async ctx =>
        {
            var quotes = ctx.Listen<Quote>("quote");
            var quoter = ctx.SpawnLinked("test:quoter", Host).Value;
            ctx.Send(quoter, "ask", "apple").ThrowIfFailed();
            var replied = await quotes.ReceiveAsync();
            var called = await ctx.CallAsync<Quote>(quoter, "ask", "pear", Guard);
            return $"{replied}|{called.Value}|{called.Error}";
        });
        var exit = await Runtime.RunAsync("test:quotes", Host).WaitAsync(Guard);
        Assert.True(exit.Error is null, exit.Error);
        Assert.Equal("Quote { Sku = apple, Price = 9.5 }|Quote { Sku = pear, Price = 1.25 }|", exit.Result);
    }

    [Theory]
    [InlineData("ctx.Send(pid, \"t\", new Quote(\"x\", 1m));", null)]                       // declared by this assembly
    [InlineData("ctx.Listen<Quote>(\"t\"); ctx.Send(pid, \"t\", ImmutableArray.Create(new Quote(\"x\", 1m)));", null)]
    [InlineData("ctx.Send(pid, \"t\", new List<Quote>());", "List<Quote> is not deeply immutable: it is a mutable collection")]
    [InlineData("ctx.Listen<Basket>(\"t\");", "Basket is not deeply immutable: Basket.Items is List<Quote>, a mutable collection")]
    public async Task Payloads_of_a_referenced_assembly_are_checked_by_its_declarations(string statement, string? expected)
    {
        var source = $$"""
            using System.Collections.Generic;
            using System.Collections.Immutable;
            using Typed.Processes;
            using Typed.Processes.EndToEnd;
            public sealed record Basket(List<Quote> Items);
            static class Caller
            {
                static void Call(ProcessContext ctx, Pid pid)
                {
                    {{statement}}
                }
            }
            """;
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Append(typeof(PayloadSafetyTests).Assembly.Location)
            .Select(p => MetadataReference.CreateFromFile(p));
        var compilation = CSharpCompilation.Create("Caller", [CSharpSyntaxTree.ParseText(source)], references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));

        var path = typeof(PayloadSafetyTests).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .Cast<System.Reflection.AssemblyMetadataAttribute>().Single(a => a.Key == "AnalyzerAssembly").Value!;
        var analyzer = (DiagnosticAnalyzer)Activator.CreateInstance(System.Reflection.Assembly.LoadFrom(path).GetType("Typed.Processes.Analyzers.PayloadAnalyzer", throwOnError: true)!)!;
        var diagnostics = await compilation.WithAnalyzers([analyzer]).GetAnalyzerDiagnosticsAsync(TestContext.Current.CancellationToken);
        var messages = diagnostics.Select(d => d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        if (expected is null) Assert.Empty(messages);
        else Assert.Equal([expected], messages);
    }
}
