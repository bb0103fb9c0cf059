namespace Typed.Processes.Generators.Tests;

/// <summary>The generated sources of every feature, compared with committed snapshots.</summary>
public class SnapshotTests
{
    [Fact]
    public void Entry_with_topics_and_inbox()
    {
        var files = GeneratorHarness.Run("""
            using System.Threading.Tasks;
            using Typed.Processes;

            namespace App.Workers;

            public sealed record EchoRequest(string Text);

            [ProcessEntry("app.workers:echo")]
            public partial class EchoWorker
            {
                [Topic("echo")] Task OnEcho(EchoRequest req, MessageContext ctx) { ctx.Reply("echoed", req.Text); return Task.CompletedTask; }
                [Topic("stop")] void OnStop(MessageContext ctx) => ctx.Stop("stopped");
                [Inbox] void OnOther(Message msg) { }
            }
            """);
        Snapshot.Verify(files);
    }

    [Fact]
    public void Supervisor_classes_and_typed_child_factories()
    {
        var files = GeneratorHarness.Run("""
            using System.Collections.Generic;
            using Typed.Processes;

            [assembly: ProcessHost("app:h")]

            namespace App.Tree;

            static class Hosts { public static readonly HostRef H = new("app:h"); }

            [ProcessEntry("app.tree:worker")]
            public partial class Worker
            {
                [ProcessMain] public void Main(long id, string label) { }
            }

            [Supervisor("app.tree:sub", Strategy = "one_for_all", Intensity = 0)]
            public partial class Sub
            {
                static IEnumerable<ChildSpec> Children() => [Worker.Child("w", Hosts.H, 1L, "one")];
            }

            [Supervisor("app.tree:root", Strategy = "rest_for_one", Intensity = 3, Period = "1m")]
            public partial class Root
            {
                static IEnumerable<ChildSpec> Children() =>
                [
                    Worker.Child("first", Hosts.H, 0L, "zero") with { Restart = RestartType.Transient },
                    Sub.Child("sub", Hosts.H),
                ];
            }

            [Supervisor("app.tree:broken", Strategy = "sometimes")]
            public partial class Broken
            {
                static IEnumerable<ChildSpec> Children() => [];
            }
            """);
        Assert.DoesNotContain(files, f => f.HintName.Contains("Broken", StringComparison.Ordinal)); // TP0013: nothing generated
        Snapshot.Verify(files);
    }

    [Fact]
    public void Entry_with_typed_main_and_result()
    {
        var files = GeneratorHarness.Run("""
            using System.Threading.Tasks;
            using Typed.Processes;

            namespace App.Math;

            [ProcessEntry("app.math:adder")]
            internal partial class Adder
            {
                private readonly ProcessContext _context;
                public Adder(ProcessContext context) => _context = context;

                [ProcessMain]
                public async Task<long> Main(ProcessContext context, long a, long b, string? label)
                {
                    await Task.Yield();
                    return a + b;
                }
            }
            """);
        Snapshot.Verify(files);
    }

    [Fact]
    public void Entry_with_constructor_services()
    {
        var files = GeneratorHarness.Run("""
            using Typed.Processes;

            namespace App.Services;

            public interface IClock { }
            public sealed class Greeter { }

            [ProcessEntry("app.services:greeting")]
            public partial class Greeting(Greeter greeter, ProcessContext context, IClock? clock)
            {
                [ProcessMain] public string Main(string name) => $"{greeter}{context}{clock}{name}";
            }
            """);
        Snapshot.Verify(files);
    }

    [Fact]
    public void Nested_namespaced_and_several_entries_per_file()
    {
        var files = GeneratorHarness.Run("""
            using System.Threading.Tasks;
            using Typed.Processes;

            [ProcessEntry("app:global")]
            public partial class GlobalEntry
            {
                [ProcessMain] void Run() { }
            }

            namespace Outer.Space
            {
                public static partial class Container
                {
                    [ProcessEntry("app.nested:inner")]
                    public partial class Inner
                    {
                        [Topic("ping")] ValueTask OnPing(int n, MessageContext ctx) { ctx.Reply("pong", n); return default; }
                        [Topic("count-all")] void OnCountAll(long count) { }
                    }
                }

                [ProcessEntry("app.nested:second")]
                partial class Second
                {
                    [Topic("event")] void OnEvent(string? text, MessageContext ctx) { }
                }
            }
            """);
        Snapshot.Verify(files);
    }

    [Fact]
    public void Generic_payloads_and_unsupported_classes()
    {
        var files = GeneratorHarness.Run("""
            using System.Collections.Generic;
            using System.Collections.Immutable;
            using Typed.Processes;

            namespace App.Data;

            [ProcessEntry("app.data:store")]
            public partial class Store
            {
                [Topic("put")] void OnPut(KeyValuePair<string, int?> item) { }
                [Topic("batch")] void OnBatch(ImmutableArray<KeyValuePair<string, long>> batch) { }
                [Topic("maybe")] void OnMaybe(int? value) { }
            }

            // Generic, abstract and non-partial classes get nothing (the analyzers report them).
            [ProcessEntry("app.data:box")]
            public partial class Box<T> { [Topic("put")] void OnPut(T value) { } }

            [ProcessEntry("app.data:abstract")]
            public abstract partial class Abstract { }

            [ProcessEntry("app.data:plain")]
            public class NotPartial { }
            """);
        Snapshot.Verify(files);
    }

    [Fact]
    public void Lua_entries_from_manifests_and_hosts()
    {
        var files = GeneratorHarness.Run(
            """
            [assembly: Typed.Processes.ProcessHost("app:cpu", Workers = 4)]
            """,
            LuaApp.Files());
        Snapshot.Verify(files);
    }

    [Fact]
    public void Lua_entries_with_typed_args_and_unknown_manifest_types()
    {
        // meta.args as a list and as a map; an unknown type (a typo) in meta.topics and in meta.args falls back to
        // object? (the analyzers report TP0012 at the manifest's line), so the generated code still compiles.
        var manifest = """
            namespace: app.typed
            entries:
              - name: summer
                kind: process.lua
                source: |
                  local function main(a, b) return a + b end
                  return { main = main }
                meta:
                  args: [long, long]
              - name: labeller
                kind: process.lua
                source: |
                  local function main(count, label, extra) return label end
                  return { main = main }
                meta:
                  args:
                    count: long
                    label: string
                    host: any
                  topics:
                    task: Strng
              - name: broken
                kind: process.lua
                source: |
                  local function main(x) return x end
                  return { main = main }
                meta:
                  args: [Lnog]
              - name: none
                kind: process.lua
                source: |
                  return { main = function() return 1 end }
                meta:
                  args: []
            """;
        var files = GeneratorHarness.Run("", [new GeneratorHarness.Text("/app/typed/_index.yaml", manifest)]);
        Snapshot.Verify(files);
    }
}

/// <summary>A small Lua application: a host, a file-based worker with listen() topics and typed meta.topics, an inline one.</summary>
public static class LuaApp
{
    public const string Manifest = """
        version: "1.0"
        namespace: app.lua
        entries:
          # the host
          - name: processes
            kind: process.host
            host:
              workers: 2
          - name: task_worker
            kind: process.lua
            source: file://task_worker.lua
            method: main
            modules: [time]
            meta:
              topics:
                task: long
                config: PayloadTable
          - name: echo
            kind: process.lua
            source: |
              local function main()
                local ch = process.listen("ping", { message = true })
                -- process.listen("commented_out")
                while true do
                  local msg = ch:receive()
                  process.send(msg:from(), "pong", msg:payload())
                end
              end
              return { main = main }
        """;

    public const string TaskWorker = """
        local function main()
            local tasks = process.listen("task")
            local stop = process.listen('stop')
            local r = channel.select({ tasks:case_receive(), stop:case_receive() })
            return r.value
        end
        return { main = main }
        """;

    public static GeneratorHarness.Text[] Files(string root = "/app") =>
    [
        new($"{root}/lua/_index.yaml", Manifest),
        new($"{root}/lua/task_worker.lua", TaskWorker),
    ];
}
