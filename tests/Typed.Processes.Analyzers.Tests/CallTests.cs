using Microsoft.CodeAnalysis.Testing;

namespace Typed.Processes.Analyzers.Tests;

/// <summary>Call handlers (TP0005 rules of replies), untyped calls to typed PIDs (TP0001, TP0004, TP0011), Lua reply types (TP0009).</summary>
public class CallTests
{
    private const string Entries = """
        using System.Threading.Tasks;
        using Typed.Processes;

        public sealed record PriceRequest(string Item);
        public sealed record Price(decimal Amount);

        [ProcessEntry("app:pricer")]
        public partial class Pricer
        {
            [Topic("price")] public ValueTask<Price> OnPrice(PriceRequest request) => new(new Price(1m));
            [Topic("count")] public long OnCount() => 1;
            [Topic("name")] public string? OnName(MessageContext ctx) => null;
            [Topic("later", Reply = typeof(Price))] public void OnLater(PriceRequest request, MessageContext ctx) { }
            [Topic("stop")] public void OnStop(MessageContext ctx) => ctx.Stop();
        }

        [LuaEntry("app:calc")]
        [DeclaredTopic("double", typeof(long), Reply = typeof(long))]
        [DeclaredTopic("any", null, Reply = typeof(object))]
        [DeclaredTopic("plain", typeof(string))]
        public sealed class CalcLua { }

        """;

    [Fact]
    public Task Call_handlers_are_valid_handlers() => Verifier.AnalyzeAsync<EntryClassAnalyzer>(Entries);

    [Fact]
    public Task Replies_that_cannot_be_sent_or_disagree_are_TP0005() => Verifier.AnalyzeAsync<EntryClassAnalyzer>(
        """
        using System.Threading.Tasks;
        using Typed.Processes;

        [ProcessEntry("app:e")]
        public partial class E
        {
            [Topic("a", Reply = typeof(long))] public Task<int> {|#0:Disagree|}() => Task.FromResult(1);
            [Topic("b", Reply = typeof(void))] public void {|#1:VoidReply|}() { }
            [Topic("c")] public ProcessContext {|#2:RuntimeObject|}(MessageContext ctx) => ctx.Process;
            [Topic("d", Reply = typeof(System.Collections.Generic.List<>))] public void {|#3:OpenGeneric|}() { }
            [Topic("e", Reply = typeof(string))] public ValueTask<string?> Agree() => default;
        }
        """,
        [
            new DiagnosticResult(Diagnostics.InvalidHandler).WithLocation(0).WithArguments("Disagree",
                "it returns 'int' but declares Reply = typeof(long); a returned value is the reply, so declare the returned type or leave Reply out"),
            new DiagnosticResult(Diagnostics.InvalidHandler).WithLocation(1).WithArguments("VoidReply", "its Reply must be the type of the reply's data, not void"),
            new DiagnosticResult(Diagnostics.InvalidHandler).WithLocation(2).WithArguments("RuntimeObject", "its reply must be data that can be sent, not a runtime object (ProcessContext)"),
            new DiagnosticResult(Diagnostics.InvalidHandler).WithLocation(3).WithArguments("OpenGeneric", "its Reply must not be an open generic type (List<>)"),
        ]);

    [Fact]
    public Task Calls_asking_for_the_declared_reply_NoDiagnostic() => Verifier.AnalyzeAsync<TopicAnalyzer>(Entries + """
        class Caller
        {
            async Task M(ProcessRuntime runtime, ProcessContext ctx, Pid<Pricer> pricer, Pid<CalcLua> calc, Pid untyped)
            {
                var t = System.TimeSpan.FromSeconds(1);
                await ctx.CallAsync<Price>(pricer, "price", new PriceRequest("x"), t);
                await ctx.CallAsync<object>(pricer, "price", new PriceRequest("x"), t);    // a reply is an object
                await runtime.CallAsync<long?>(pricer, "count", null, t);                  // a long is a long?
                await ctx.CallAsync<string>(pricer, "name", null, t, default);
                await ctx.CallAsync<Price>(pricer, "later", new PriceRequest("x"), t);
                await ctx.CallAsync<long>(calc, "double", 2L, t);
                await ctx.CallAsync<string>(calc, "any", null, t);                          // reply: any
                await ctx.CallAsync<string>(calc, "plain", "x", t);                         // a Lua topic without reply: may answer
                await ctx.CallAsync<int>(untyped, "price", 1, t);                           // untyped PID: not checked
            }
        }
        """);

    /// <summary>Review of issue 11: a reply declared as object or a base type may be the narrower type asked for (the
    /// runtime checks <c>reply is T</c>), so asking for it is not "fails every call".</summary>
    [Fact]
    public Task Calls_asking_for_a_type_the_declared_reply_may_hold_NoDiagnostic() => Verifier.AnalyzeAsync<TopicAnalyzer>("""
        using System.Threading.Tasks;
        using Typed.Processes;

        public abstract record Shape;
        public sealed record Circle(double R) : Shape;

        [ProcessEntry("app:shapes")]
        public partial class Shapes
        {
            [Topic("shape")] public Shape OnShape() => new Circle(1);
            [Topic("anything")] public Task<object> OnAnything() => Task.FromResult<object>(1L);
        }

        class Caller
        {
            async Task M(ProcessContext ctx, Pid<Shapes> shapes)
            {
                var t = System.TimeSpan.FromSeconds(1);
                await ctx.CallAsync<Circle>(shapes, "shape", null, t);
                await ctx.CallAsync<string>(shapes, "anything", null, t);
                await ctx.CallAsync<long>(shapes, "anything", null, t);
                await ctx.CallAsync<{|#0:string|}>(shapes, "shape", null, t);
            }
        }
        """,
        [new DiagnosticResult(Diagnostics.ReplyTypeMismatch).WithLocation(0).WithArguments("shape", "app:shapes", "replies with 'Shape', not 'string'")]);

    [Fact]
    public Task Calls_asking_for_another_type_or_to_a_topic_that_never_replies_are_TP0011() => Verifier.AnalyzeAsync<TopicAnalyzer>(Entries + """
        class Caller
        {
            async Task M(ProcessRuntime runtime, ProcessContext ctx, Pid<Pricer> pricer, Pid<CalcLua> calc)
            {
                var t = System.TimeSpan.FromSeconds(1);
                await ctx.CallAsync<{|#0:string|}>(pricer, "price", new PriceRequest("x"), t);
                await runtime.CallAsync<{|#1:int|}>(pricer, "count", null, t);
                await ctx.CallAsync<{|#2:object|}>(pricer, "stop", null, t);
                await ctx.CallAsync<{|#3:double|}>(calc, "double", 2L, t);
            }
        }
        """,
        [
            new DiagnosticResult(Diagnostics.ReplyTypeMismatch).WithLocation(0).WithArguments("price", "app:pricer", "replies with 'Price', not 'string'"),
            new DiagnosticResult(Diagnostics.ReplyTypeMismatch).WithLocation(1).WithArguments("count", "app:pricer", "replies with 'long', not 'int'"),
            new DiagnosticResult(Diagnostics.ReplyTypeMismatch).WithLocation(2).WithArguments("stop", "app:pricer",
                "declares no reply, so a call to it is never answered: return the reply from its handler, or declare it with [Topic(..., Reply = typeof(T))]"),
            new DiagnosticResult(Diagnostics.ReplyTypeMismatch).WithLocation(3).WithArguments("double", "app:calc", "replies with 'long', not 'double'"),
        ]);

    [Fact]
    public Task Untyped_calls_check_the_topic_and_payload_as_sends_do() => Verifier.AnalyzeAsync<TopicAnalyzer>(Entries + """
        class Caller
        {
            async Task M(ProcessContext ctx, Pid<Pricer> pricer, Pid<CalcLua> calc)
            {
                var t = System.TimeSpan.FromSeconds(1);
                await ctx.CallAsync<Price>(pricer, {|TP0001:"prices"|}, new PriceRequest("x"), t);
                await ctx.CallAsync<Price>(pricer, "price", {|TP0004:"x"|}, t);
                await ctx.CallAsync<long>(calc, "double", {|TP0004:"two"|}, t);
            }
        }
        """);

    [Fact]
    public Task A_Lua_reply_type_that_a_Lua_value_never_is_is_TP0009_at_its_manifest_line() => Verifier.AnalyzeAsync<ManifestAnalyzer>(
        "class C { }",
        [
            new DiagnosticResult(Diagnostics.UnreadableManifest).WithSpan("/app/_index.yaml", 8, 9, 8, 45).WithArguments(
                "entry 'app:calc': topic 'price' replies with 'int', which a Lua reply never is; a Lua value arrives as long (integer), double (float), bool, string (or ByteString when not UTF-8), PayloadTable (table) or any"),
        ],
        ("/app/_index.yaml", """
            namespace: app
            entries:
              - name: calc
                kind: process.lua
                source: "return { main = function() end }"
                meta:
                  topics:
                    price: { payload: long, reply: int }
            """));
}
