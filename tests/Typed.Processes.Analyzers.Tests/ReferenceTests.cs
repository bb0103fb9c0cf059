namespace Typed.Processes.Analyzers.Tests;

public class ReferenceTests
{
    private const string Declarations = """
        using System.Threading.Tasks;
        using Typed.Processes;

        [assembly: ProcessHost("app:processes", Workers = 2)]

        [ProcessEntry("app:echo")]
        public partial class Echo
        {
            [ProcessMain] public void Main() { }
        }

        """;

    private static readonly (string, string)[] LuaApp =
    [
        ("/app/_index.yaml", """
            version: "1.0"
            namespace: app
            entries:
              - name: lua_host
                kind: process.host
                host:
                  workers: 2
              - name: worker
                kind: process.lua
                source: file://worker.lua
            """),
        ("/app/worker.lua", """
            local function main()
              local inbox = process.listen("task")
              while true do
                local message = inbox:receive()
              end
            end
            return { main = main }
            """),
    ];

    [Fact]
    public Task DeclaredEntriesAndHosts_NoDiagnostic() => Verifier.AnalyzeAsync<ReferenceAnalyzer>(Declarations + """
        class Caller
        {
            const string Echo = "app:echo";
            async Task M(ProcessRuntime runtime, ProcessContext context, string computed)
            {
                runtime.Entries.Add("app:manual", _ => default);
                runtime.Entries.Add(new CSharpEntry("app:made", _ => default));
                runtime.Hosts.Add("app:extra", 1);
                runtime.Spawn(Echo, "app:processes");
                context.Spawn("app:manual", "app:extra");
                context.SpawnLinked("app:made", "app:processes");
                runtime.Start("app:echo", "app:processes");
                await runtime.RunAsync("app:echo", "app:processes");
                runtime.Spawn(computed, computed);   // not constant: not checked
            }
        }
        """);

    [Fact]
    public Task UnknownAndMalformedEntry() => Verifier.AnalyzeAsync<ReferenceAnalyzer>(Declarations + """
        class Caller
        {
            void M(ProcessRuntime runtime, ProcessContext context)
            {
                runtime.Spawn({|TP0002:"app:ecko"|}, "app:processes");
                context.SpawnMonitored({|TP0002:"echo"|}, "app:processes");
                context.Spawn({|TP0002:"app:"|}, "app:processes");
            }
        }
        """);

    [Fact]
    public Task UnknownEntry_MessageSuggestsNearest() => Verifier.AnalyzeAsync<ReferenceAnalyzer>(Declarations + """
        class Caller
        {
            void M(ProcessRuntime runtime) => runtime.Spawn({|#0:"app:ecko"|}, "app:processes");
        }
        """, [new Microsoft.CodeAnalysis.Testing.DiagnosticResult(Diagnostics.UnknownEntry).WithLocation(0)
            .WithMessage("Entry reference 'app:ecko' is not a declared entry; did you mean 'app:echo'?")]);

    [Fact]
    public Task ComputedRegistration_OnlyMalformedReported() => Verifier.AnalyzeAsync<ReferenceAnalyzer>(Declarations + """
        class Caller
        {
            void M(ProcessRuntime runtime, string name)
            {
                runtime.Entries.Add(name, _ => default);
                runtime.Hosts.Add(name + "-host");
                runtime.Spawn("app:elsewhere", "app:other");
                runtime.Spawn({|TP0002:"elsewhere"|}, {|TP0003:"other"|});
            }
        }
        """);

    [Fact]
    public Task LuaManifest_EntriesAndHostsAreDeclared() => Verifier.AnalyzeAsync<ReferenceAnalyzer>(Declarations + """
        class Caller
        {
            void M(ProcessRuntime runtime)
            {
                runtime.Spawn("app:worker", "app:lua_host");
                runtime.Spawn({|TP0002:"app:wroker"|}, "app:processes");
            }
        }
        """, LuaApp);

    [Fact]
    public Task LuaMarkerType_IsDeclaredEntry() => Verifier.AnalyzeAsync<ReferenceAnalyzer>(Declarations + """
        [LuaEntry("app:generated")]
        [DeclaredTopic("task", typeof(string))]
        public sealed class GeneratedLua { }

        class Caller
        {
            void M(ProcessRuntime runtime) => runtime.Spawn("app:generated", "app:processes");
        }
        """);

    [Fact]
    public Task UnknownHost() => Verifier.AnalyzeAsync<ReferenceAnalyzer>(Declarations + """
        class Caller
        {
            void M(ProcessRuntime runtime)
            {
                runtime.Spawn("app:echo", {|TP0003:"app:procesess"|});
                runtime.Spawn("app:echo", {|TP0003:"processes"|});
            }
        }
        """);

    [Fact]
    public Task UnknownHost_ThroughTheHostRefConstructor() => Verifier.AnalyzeAsync<ReferenceAnalyzer>(Declarations + """
        class Caller
        {
            static readonly HostRef Typo = new HostRef({|TP0003:"app:procesess"|});
            static readonly HostRef Malformed = new({|TP0003:"processes"|});
            static readonly HostRef Declared = new HostRef("app:processes");
            void M(ProcessRuntime runtime) => runtime.Spawn("app:echo", new HostRef("app:processes"));
        }
        """);

    [Fact]
    public Task NoHostDeclared_OnlyMalformedReported() => Verifier.AnalyzeAsync<ReferenceAnalyzer>("""
        using Typed.Processes;

        [ProcessEntry("app:echo")]
        public partial class Echo { [ProcessMain] public void Main() { } }

        class Caller
        {
            void M(ProcessRuntime runtime)
            {
                runtime.Spawn("app:echo", "app:anything");
                runtime.Spawn("app:echo", {|TP0003:"anything"|});
            }
        }
        """);

    [Fact]
    public Task DuplicateEntryClasses() => Verifier.AnalyzeAsync<ReferenceAnalyzer>("""
        using Typed.Processes;

        [ProcessEntry({|TP0006:"app:echo"|})]
        public partial class Echo { }

        [ProcessEntry({|TP0006:"app:echo"|})]
        public partial class Echo2 { }

        [ProcessEntry("app:other")]
        public partial class Other { }
        """);

    [Fact]
    public Task EntryClassDuplicatesLuaEntry() => Verifier.AnalyzeAsync<ReferenceAnalyzer>("""
        using Typed.Processes;

        [ProcessEntry({|TP0006:"app:worker"|})]
        public partial class Worker { }

        [ProcessEntry("app:echo")]
        public partial class Echo { }
        """, LuaApp);

    [Fact]
    public Task LuaEntryRegistration_IsDeclared() => Verifier.AnalyzeAsync<ReferenceAnalyzer>(Declarations + """
        class Caller
        {
            void M(ProcessRuntime runtime)
            {
                runtime.Entries.Add(new Typed.Processes.Lua.LuaEntry("app:inline", "return { main = function() end }", "inline"));
                runtime.Spawn("app:inline", "app:processes");
                runtime.Spawn({|TP0002:"app:online"|}, "app:processes");
            }
        }
        """);

    [Fact]
    public Task ComputedLuaEntryRegistration_OnlyMalformedReported() => Verifier.AnalyzeAsync<ReferenceAnalyzer>(Declarations + """
        class Caller
        {
            void M(ProcessRuntime runtime, string name)
            {
                runtime.Entries.Add(new Typed.Processes.Lua.LuaEntry(name, "return { main = function() end }", "inline"));
                runtime.Spawn("app:anything", "app:processes");
                runtime.Spawn({|TP0002:"anything"|}, "app:processes");
            }
        }
        """);

    [Fact]
    public Task LuaApplicationLoadedWithoutManifests_OnlyMalformedReported() => Verifier.AnalyzeAsync<ReferenceAnalyzer>(Declarations + """
        class Caller
        {
            void M(ProcessRuntime runtime)
            {
                Typed.Processes.Lua.LuaRuntimeExtensions.AddLuaApplication(runtime, "apps/seed");
                runtime.Spawn("app.test.process:seed_spawn", "app:processes");
                runtime.Spawn({|TP0002:"seed_spawn"|}, "app:processes");
            }
        }
        """);

    [Fact]
    public Task EntriesAndHostsOfReferencedAssemblies_AreDeclared() => Verifier.AnalyzeWithLibraryAsync<ReferenceAnalyzer>("""
        using Typed.Processes;

        class Caller
        {
            void M(ProcessRuntime runtime)
            {
                runtime.Spawn("lib:echo", "lib:processes");
                runtime.Spawn("lib:worker", "lib:processes");
                runtime.Spawn({|TP0002:"lib:missing"|}, {|TP0003:"lib:missing"|});
            }
        }
        """, """
        using Typed.Processes;

        [assembly: ProcessHost("lib:processes")]

        [ProcessEntry("lib:echo")]
        public partial class LibraryEcho { [ProcessMain] public void Main() { } }

        [LuaEntry("lib:worker")]
        public sealed class LibraryWorkerLua { }
        """);

    [Fact]
    public Task EntryClassDuplicatesLuaMarkerType() => Verifier.AnalyzeAsync<ReferenceAnalyzer>("""
        using Typed.Processes;

        [LuaEntry("app:worker")]
        public sealed class WorkerLua { }

        [ProcessEntry({|TP0006:"app:worker"|})]
        public partial class Worker { }
        """);
}
