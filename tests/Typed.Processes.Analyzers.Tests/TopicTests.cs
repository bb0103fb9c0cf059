using Microsoft.CodeAnalysis.Testing;

namespace Typed.Processes.Analyzers.Tests;

public class TopicTests
{
    // An entry written in C#, and a marker type as the source generator emits it for a Lua entry.
    private const string Entries = """
        using System.Threading.Tasks;
        using Typed.Processes;

        [ProcessEntry("app:echo")]
        public partial class Echo
        {
            [Topic("ping")] public void Ping(string text, MessageContext context) { }
            [Topic("count")] public Task Count(int n) => Task.CompletedTask;
            [Topic("stop")] public void Stop(MessageContext context) { }
        }

        [ProcessEntry("app:sink")]
        public partial class Sink
        {
            [Topic("data")] public void Data(byte[] data) { }
            [Inbox] public void Other(Message message) { }
        }

        [LuaEntry("app:worker")]
        [DeclaredTopic("task", typeof(string))]
        [DeclaredTopic("tasks", typeof(string[]))]
        [DeclaredTopic("cancel", null)]
        [DeclaredTopic("any", typeof(object))]
        public sealed class WorkerLua { }

        public class Base { }
        public class Derived : Base { }

        [LuaEntry("app:typed")]
        [DeclaredTopic("base", typeof(Base))]
        [DeclaredTopic("maybe", typeof(int?))]
        [DeclaredTopic("number", typeof(long))]
        public sealed class TypedLua { }

        """;

    [Fact]
    public Task DeclaredTopics_NoDiagnostic() => Verifier.AnalyzeAsync<TopicAnalyzer>(Entries + """
        class Caller
        {
            const string Topic = "task";
            void M(ProcessRuntime runtime, ProcessContext context, Pid<Echo> echo, Pid<WorkerLua> worker, Pid<Sink> sink, Pid untyped, string dynamic)
            {
                runtime.Send(echo, "ping", "hello");
                runtime.Send(echo, "stop", null);
                context.Send(echo, "count", 3);
                runtime.Send(worker, Topic, "work");
                runtime.Send(worker, "cancel", 42);
                runtime.Send(worker, "any", new object());
                runtime.Send(sink, "whatever", 1);      // [Inbox] takes every other topic
                runtime.Send(untyped, "nope", 1);       // untyped PID: not checked
                runtime.Send(echo, dynamic, 1);         // not constant: not checked
                runtime.Send("app:echo", "nope", 1);    // by name: not checked
            }
        }
        """);

    [Fact]
    public Task UnknownTopic_CSharpEntry() => Verifier.AnalyzeAsync<TopicAnalyzer>(Entries + """
        class Caller
        {
            void M(ProcessRuntime runtime, ProcessContext context, Pid<Echo> echo)
            {
                runtime.Send(echo, {|TP0001:"pong"|}, "hello");
                context.Send(echo, {|TP0001:"Stop"|}, null);
            }
        }
        """);

    [Fact]
    public Task UnknownTopic_LuaMarker() => Verifier.AnalyzeAsync<TopicAnalyzer>(Entries + """
        class Caller
        {
            void M(ProcessContext context, Pid<WorkerLua> worker) => context.Send(worker, {|TP0001:"tsak"|}, "work");
        }
        """);

    [Fact]
    public Task UnknownTopic_MessageSuggestsNearest()
    {
        var test = Entries + """
            class Caller
            {
                void M(ProcessContext context, Pid<WorkerLua> worker) => context.Send(worker, {|#0:"tsak"|}, "work");
            }
            """;
        return Verifier.AnalyzeAsync<TopicAnalyzer>(test, [
            new DiagnosticResult(Diagnostics.UnknownTopic).WithLocation(0)
                .WithMessage("Topic 'tsak' is not a topic of entry 'app:worker'; did you mean 'task'?")]);
    }

    [Fact]
    public Task UnknownTopic_FixUsesNearest() => Verifier.FixAsync<TopicAnalyzer, UnknownTopicCodeFix>(Entries + """
        class Caller
        {
            void M(ProcessContext context, Pid<WorkerLua> worker) => context.Send(worker, {|TP0001:"tsak"|}, "work");
        }
        """, Entries + """
        class Caller
        {
            void M(ProcessContext context, Pid<WorkerLua> worker) => context.Send(worker, "task", "work");
        }
        """);

    [Fact]
    public Task UnknownTopic_FixOffersOtherCandidates() => Verifier.FixAsync<TopicAnalyzer, UnknownTopicCodeFix>(Entries + """
        class Caller
        {
            void M(ProcessContext context, Pid<WorkerLua> worker) => context.Send(worker, {|TP0001:"tsak"|}, "work");
        }
        """, Entries + """
        class Caller
        {
            void M(ProcessContext context, Pid<WorkerLua> worker) => context.Send(worker, "tasks", {|TP0004:"work"|});
        }
        """, actionIndex: 1);

    [Fact]
    public Task Payload_Accepted_NoDiagnostic() => Verifier.AnalyzeAsync<TopicAnalyzer>(Entries + """
        class Caller
        {
            void M(ProcessContext context, Pid<TypedLua> typed, Pid<Echo> echo, Derived derived, string text)
            {
                context.Send(typed, "base", derived);
                context.Send(typed, "base", null);
                context.Send(typed, "maybe", 3);
                context.Send(typed, "maybe", null);
                context.Send(typed, "number", 3);
                context.Send(echo, "ping", text);
                context.Send(echo, "stop", 42);           // no payload parameter: any payload
            }
        }
        """);

    [Fact]
    public Task Payload_NotAccepted() => Verifier.AnalyzeAsync<TopicAnalyzer>(Entries + """
        class Caller
        {
            void M(ProcessContext context, Pid<TypedLua> typed, Pid<Echo> echo, Pid<WorkerLua> worker, Pid<Sink> sink)
            {
                context.Send(typed, "base", {|TP0004:"text"|});
                context.Send(typed, "number", {|TP0004:null|});
                context.Send(echo, "ping", {|TP0004:42|});
                context.Send(echo, "count", {|TP0004:3.5|});
                context.Send(worker, "task", {|TP0004:new object()|});
                context.Send(sink, "data", {|TP0004:"text"|});
            }
        }
        """);

    private static readonly (string, string)[] LuaApp =
    [
        ("/app/_index.yaml", """
            version: "1.0"
            namespace: app
            entries:
              - name: worker
                kind: process.lua
                source: file://worker.lua
                meta:
                  topics:
                    stop: any
            """),
        ("/app/worker.lua", """
            local function main()
              local tasks = process.listen("task")
              -- process.listen("commented")
              return tasks:receive()
            end
            return { main = main }
            """),
    ];

    private const string BareMarker = """
        using Typed.Processes;

        [LuaEntry("app:worker")]
        public sealed class WorkerLua { }

        """;

    [Fact]
    public Task LuaMarkerWithoutDeclaredTopics_UsesManifestTopics() => Verifier.AnalyzeAsync<TopicAnalyzer>(BareMarker + """
        class Caller
        {
            void M(ProcessContext context, Pid<WorkerLua> worker)
            {
                context.Send(worker, "task", 1);
                context.Send(worker, "stop", null);
                context.Send(worker, {|TP0001:"tsak"|}, 1);
                context.Send(worker, {|TP0001:"commented"|}, 1);
            }
        }
        """, LuaApp);

    [Fact]
    public Task LuaMarkerWithoutDeclaredTopicsOrManifest_NotChecked() => Verifier.AnalyzeAsync<TopicAnalyzer>(BareMarker + """
        class Caller
        {
            void M(ProcessContext context, Pid<WorkerLua> worker) => context.Send(worker, "anything", 1);
        }
        """);

    // The topics of a C# entry are those its generated dispatch serves: a handler the rules refuse (TP0005) serves none,
    // and a refused [Inbox] does not take other topics.
    [Fact]
    public Task TopicOfInvalidHandler_IsUnknown() => Verifier.AnalyzeAsync<TopicAnalyzer>("""
        using Typed.Processes;

        [ProcessEntry("app:half")]
        public partial class Half
        {
            [Topic("good")] public void Good(string text) { }
            [Topic("static")] public static void Static(string text) { }
            [Inbox] public int Other(Message message) => 0;
        }

        class Caller
        {
            void M(ProcessContext context, Pid<Half> half)
            {
                context.Send(half, "good", "x");
                context.Send(half, {|TP0001:"static"|}, "x");
                context.Send(half, {|TP0001:"other"|}, "x");
            }
        }
        """);
}
