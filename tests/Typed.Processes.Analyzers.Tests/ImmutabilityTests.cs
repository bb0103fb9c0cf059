using Microsoft.CodeAnalysis.Testing;

namespace Typed.Processes.Analyzers.Tests;

/// <summary>TP0010: every payload that travels between processes is deeply immutable, with the reason chain.</summary>
public class ImmutabilityTests
{
    private const string Usings = """
        using System;
        using System.Collections.Generic;
        using System.Collections.Immutable;
        using System.Threading.Tasks;
        using Typed.Processes;

        """;

    private const string Types = """

        public sealed record Line(string Sku, int Qty);
        public sealed record Order(string Id, ImmutableArray<Line> Lines);
        public sealed record BadOrder(string Id, List<Line> Lines);
        public sealed class SettableLine { public int Qty; }
        public sealed class PropertyLine { public int Qty { get; set; } }
        public sealed class InitLine { public int Qty { get; init; } }
        public sealed record Holder(ImmutableArray<SettableLine> Lines);
        public sealed record Wrapper(BadOrder Order);
        public sealed record Box<T>(T Value);
        public sealed record Tagged(object Tag);
        public sealed record WithArray(int[] Values);
        public record Base(int A);
        public sealed record Derived(int A, List<int> More) : Base(A);
        """;

    private static DiagnosticResult Tp0010(int marker, string type, string why) =>
        new DiagnosticResult("TP0010", Microsoft.CodeAnalysis.DiagnosticSeverity.Error).WithLocation(marker).WithArguments(type, why);

    [Fact]
    public Task Immutable_payloads_are_not_reported() => Verifier.AnalyzeAsync<PayloadAnalyzer>(Usings + """
        class C
        {
            async Task Run(ProcessContext ctx, Pid pid, MessageContext mc, object unknown, IReadOnlyList<int> view)
            {
                ctx.Send(pid, "a", new Line("x", 1));
                ctx.Send(pid, "b", new Order("o", ImmutableArray.Create(new Line("x", 1))));
                ctx.Send(pid, "c", new InitLine { Qty = 1 });
                ctx.Send(pid, "d", new[] { 1, 2 });                        // an array payload is copied on send
                ctx.Send(pid, "e", ImmutableArray.Create<object>(1));       // object elements: checked at run time
                ctx.Send(pid, "f", new Box<Line>(new Line("x", 1)));
                ctx.Send(pid, "g", unknown);                                // statically unknown: the runtime checks it
                ctx.Send(pid, "h", view);
                ctx.Send(pid, "i", null);
                ctx.Send(pid, "j", (int?)3);
                mc.Reply("k", pid);
                await ctx.CallAsync<ImmutableList<Line>>(pid, "l", "x", TimeSpan.FromSeconds(1));
                ctx.Listen<Line>("m");
                ctx.Listen<object?>("n");
                ctx.Spawn("app:e", "app:h", 1, "two", new Line("x", 1));
            }
        }
        """ + Types);

    [Fact]
    public Task Every_kind_of_site_is_reported_on_the_value() => Verifier.AnalyzeAsync<PayloadAnalyzer>(Usings + """
        class C
        {
            async Task Run(ProcessContext ctx, ProcessRuntime runtime, Pid pid, MessageContext mc, Message msg, ReplyHandle handle, List<int> list)
            {
                ctx.Send(pid, "a", {|#0:list|});
                runtime.Send(pid, "a", {|#1:list|});
                await ctx.CallAsync<int>(pid, "b", {|#2:list|}, TimeSpan.FromSeconds(1));
                await ctx.CallAsync<{|#3:List<int>|}>(pid, "b", 1, TimeSpan.FromSeconds(1));
                mc.Reply("c", {|#4:list|});
                mc.Reply({|#5:list|});
                msg.Reply({|#6:list|});
                handle.Reply({|#7:list|});
                mc.Stop({|#8:list|});
                ctx.Spawn("app:e", "app:h", 1, {|#9:list|});
                ctx.SpawnMonitored("app:e", "app:h", {|#10:list|});
                runtime.Start("app:e", "app:h", {|#11:list|});
                await runtime.RunAsync("app:e", "app:h", new object?[] { 1, {|#12:list|} }, default);
                ctx.Listen<{|#13:List<int>|}>("d");
                ctx.ListenMessages<{|#14:List<int>|}>("e", null);
            }
        }
        """ + Types,
        Enumerable.Range(0, 15).Select(i => Tp0010(i, "List<int>", "it is a mutable collection")).ToArray());

    [Fact]
    public Task Reasons_name_the_chain() => Verifier.AnalyzeAsync<PayloadAnalyzer>(Usings + """
        class C
        {
            void Run(ProcessContext ctx, Pid pid, BadOrder bad, SettableLine settable, PropertyLine property, Holder holder, Wrapper wrapper,
                Box<SettableLine> box, Tagged tagged, WithArray withArray, Derived derived, ImmutableArray<List<int>> nested, int[,] grid,
                Action action, (int, string) tuple)
            {
                ctx.Send(pid, "a", {|#0:bad|});
                ctx.Send(pid, "a", {|#1:settable|});
                ctx.Send(pid, "a", {|#2:property|});
                ctx.Send(pid, "a", {|#3:holder|});
                ctx.Send(pid, "a", {|#4:wrapper|});
                ctx.Send(pid, "a", {|#5:box|});
                ctx.Send(pid, "a", {|#6:tagged|});
                ctx.Send(pid, "a", {|#7:withArray|});
                ctx.Send(pid, "a", {|#8:derived|});
                ctx.Send(pid, "a", {|#9:nested|});
                ctx.Send(pid, "a", {|#10:grid|});
                ctx.Send(pid, "a", {|#11:action|});
                ctx.Send(pid, "a", {|#12:tuple|});
                ctx.Send(pid, "a", {|#13:new[] { settable }|});
                ctx.Send(pid, "a", {|#14:new { A = 1 }|});
            }
        }
        """ + Types,
        [
            Tp0010(0, "BadOrder", "BadOrder.Lines is List<Line>, a mutable collection"),
            Tp0010(1, "SettableLine", "SettableLine.Qty is a settable field"),
            Tp0010(2, "PropertyLine", "PropertyLine.Qty is a settable property"),
            Tp0010(3, "Holder", "Holder.Lines is ImmutableArray<SettableLine>; ImmutableArray<SettableLine> holds SettableLine; SettableLine.Qty is a settable field"),
            Tp0010(4, "Wrapper", "Wrapper.Order is BadOrder; BadOrder.Lines is List<Line>, a mutable collection"),
            Tp0010(5, "Box<SettableLine>", "Box<SettableLine> has type argument SettableLine; SettableLine.Qty is a settable field"),
            Tp0010(6, "Tagged", "Tagged.Tag is object, which can hold any value"),
            Tp0010(7, "WithArray", "WithArray.Values is int[], an array (an array is copied on send only when it is the payload itself)"),
            Tp0010(8, "Derived", "Derived.More is List<int>, a mutable collection"),
            Tp0010(9, "ImmutableArray<List<int>>", "ImmutableArray<List<int>> holds List<int>, a mutable collection"),
            Tp0010(10, "int[,]", "it is a multi-dimensional array"),
            Tp0010(11, "Action", "it is a delegate"),
            Tp0010(12, "(int, string)", "it is a tuple, whose fields are settable (use a positional record)"),
            Tp0010(13, "SettableLine[]", "SettableLine[] holds SettableLine; SettableLine.Qty is a settable field"),
            Tp0010(14, "<anonymous type: int A>", "it is an anonymous type (use a positional record)"),
        ]);

    [Fact]
    public Task A_base_class_that_is_not_immutable_is_named() => Verifier.AnalyzeAsync<PayloadAnalyzer>(Usings + """
        public class MutableBase { public int Count; }
        public sealed class Child : MutableBase { }
        class C
        {
            void Run(ProcessContext ctx, Pid pid, Child child) => ctx.Send(pid, "a", {|#0:child|});
        }
        """, [Tp0010(0, "Child", "Child derives from MutableBase; MutableBase.Count is a settable field")]);

    [Fact]
    public Task Types_generated_code_cannot_name_are_reported() => Verifier.AnalyzeAsync<PayloadAnalyzer>(Usings + """
        class C
        {
            private sealed record Secret(int A);
            void Run(ProcessContext ctx, Pid pid) => ctx.Send(pid, "a", {|#0:new Secret(1)|});
        }
        """, [Tp0010(0, "Secret", "it is private, so generated code cannot name it (make it internal, or mark it [Immutable])")]);

    [Fact]
    public Task An_Immutable_type_is_trusted() => Verifier.AnalyzeAsync<PayloadAnalyzer>(Usings + """
        [Immutable] public sealed class Trusted { public List<int> Items = new(); }
        class C
        {
            void Run(ProcessContext ctx, Pid pid) => ctx.Send(pid, "a", new Trusted());
        }
        """);

    [Fact]
    public Task Handler_payloads_and_main_arguments_and_results_are_reported_on_the_declaration() => Verifier.AnalyzeAsync<PayloadAnalyzer>(Usings + """
        [ProcessEntry("app:orders")]
        public partial class Orders
        {
            [Topic("order")] void OnOrder({|#0:BadOrder|} order, MessageContext ctx) { }
            [Topic("line")] void OnLine(Line line) { }
            [Topic("any")] void OnAny(object anything) { }
        }

        [ProcessEntry("app:worker")]
        public partial class Worker
        {
            [ProcessMain] Task<{|#1:List<int>|}> Run(ProcessContext ctx, {|#2:SettableLine|} line, int n) => Task.FromResult(new List<int>());
        }

        [ProcessEntry("app:fine")]
        public partial class Fine
        {
            [ProcessMain] ValueTask<Order> Run(Line line, string text) => default;
        }
        """ + Types,
        [
            Tp0010(0, "BadOrder", "BadOrder.Lines is List<Line>, a mutable collection"),
            Tp0010(1, "List<int>", "it is a mutable collection"),
            Tp0010(2, "SettableLine", "SettableLine.Qty is a settable field"),
        ]);

    [Fact]
    public Task A_declared_Reply_type_of_a_handler_that_answers_later_is_reported_on_the_attribute() => Verifier.AnalyzeAsync<PayloadAnalyzer>(Usings + """
        [ProcessEntry("app:later")]
        public partial class Later
        {
            [Topic("later", Reply = typeof({|#0:List<int>|}))] void OnLater(Line line, MessageContext ctx) { }
            [Topic("fine", Reply = typeof(Order))] void OnFine(Line line, MessageContext ctx) { }
        }
        """ + Types,
        [Tp0010(0, "List<int>", "it is a mutable collection")]);

    [Fact]
    public Task A_type_declared_by_a_referenced_assembly_is_immutable() => Verifier.AnalyzeWithLibraryAsync<PayloadAnalyzer>(Usings + """
        class C
        {
            void Run(ProcessContext ctx, Pid pid, Contracts.Declared declared, Contracts.Undeclared undeclared)
            {
                ctx.Send(pid, "a", declared);
                ctx.Send(pid, "a", new Contracts.Pair<Contracts.Declared>(declared, declared));
                ctx.Send(pid, "a", {|TP0010:undeclared|});
            }
        }
        """, """
        [assembly: Typed.Processes.ProvenImmutable(typeof(Contracts.Declared))]
        [assembly: Typed.Processes.ProvenImmutable(typeof(Contracts.Pair<>))]
        namespace Contracts;
        public sealed record Declared(int A);
        public sealed record Pair<T>(T First, T Second);
        public sealed record Undeclared(int A);
        """);

    [Fact]
    public Task A_captured_primary_constructor_parameter_is_a_settable_field() => Verifier.AnalyzeAsync<PayloadAnalyzer>(Usings + """
        public sealed class Counter(int count) { public int Next() => ++count; }
        public sealed class Named(string name) { public string Name { get; } = name; }
        class C
        {
            void Run(ProcessContext ctx, Pid pid, Counter counter, Named named)
            {
                ctx.Send(pid, "a", {|#0:counter|});
                ctx.Send(pid, "a", named);   // only initialises a get-only property: nothing captured
            }
        }
        """, [Tp0010(0, "Counter", "Counter captures primary constructor parameter 'count', a settable field")]);

    [Fact]
    public Task The_results_of_a_lambda_entry_are_checked() => Verifier.AnalyzeAsync<PayloadAnalyzer>(Usings + """
        class C
        {
            void Register(ProcessRuntime runtime)
            {
                runtime.Entries.Add("app:a", ctx => new ValueTask<object?>({|#0:new List<int>()|}));
                runtime.Entries.Add("app:c", ctx => ValueTask.FromResult<object?>({|#2:new int[1, 1]|}));
                runtime.Entries.Add("app:d", ctx => ValueTask.FromResult<object?>("fine"));
                runtime.Entries.Add("app:b", async ctx =>
                {
                    Func<object> inner = () => new List<int>();   // not the process's result
                    await Task.Yield();
                    if (Environment.TickCount > 0) return {|#1:new List<string>()|};
                    return new Line("x", 1);
                });
            }
        }
        """ + Types,
        [
            Tp0010(0, "List<int>", "it is a mutable collection"),
            Tp0010(1, "List<string>", "it is a mutable collection"),
            Tp0010(2, "int[,]", "it is a multi-dimensional array"),
        ]);
}
