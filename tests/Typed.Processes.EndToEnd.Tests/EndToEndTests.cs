using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Typed.Processes.Lua;

namespace Typed.Processes.EndToEnd;

/// <summary>Typed C# and Lua workers driven through the generated stubs, in one runtime.</summary>
public sealed class EndToEndTests() : RuntimeTestBase(withLuaApp: true)
{
    [Fact]
    public async Task The_issue_example_works_through_typed_stubs()
    {
        var result = await Run(async ctx =>
        {
            var replies = ctx.Listen<string>("echoed");
            var worker = EchoWorker.SpawnMonitored(ctx, Host).Value;
            ctx.SendEcho(worker, new EchoRequest("hello")).ThrowIfFailed();
            var reply = await replies.ReceiveAsync();
            ctx.Send(worker, "something-else", 1).ThrowIfFailed(); // untyped access still works: to the inbox
            ctx.SendStop(worker).ThrowIfFailed(); // handled after it: one channel, arrival order
            var exit = await ctx.Events().ReceiveAsync();
            return $"{reply}|{exit.Kind}|{exit.From == (Pid)worker}|{exit.Result}|{exit.Error}";
        });
        Assert.Equal("hello|Exit|True|stopped after 1 other message(s)|", result);
    }

    [Fact]
    public async Task A_typed_main_takes_arguments_and_returns_the_exit_result()
    {
        var result = await Run(async ctx =>
        {
            var adder = Adder.SpawnMonitored(ctx, Host, 20, 22).Value;
            var exit = await ctx.Events().ReceiveAsync();
            return $"{exit.From == (Pid)adder}|{exit.Result}";
        });
        Assert.Equal("True|42", result);

        var direct = await Runtime.RunAsync(Adder.EntryReference, Host, 1L, 2L).WaitAsync(Guard);
        Assert.Equal(3L, direct.Result);
        var wrong = await Runtime.RunAsync(Adder.EntryReference, Host, "one", 2L).WaitAsync(Guard);
        Assert.Contains("argument 0", wrong.Error);
    }

    [Fact]
    public async Task Wrong_topics_and_payloads_sent_untyped_are_refused_to_the_sender()
    {
        var greeter = Greeter.Spawn(Runtime, Host, "Hi").Value;
        var exit = Runtime.WaitForExitAsync(greeter);
        // Untyped (a plain Pid, which the analyzers cannot check): refused at run time instead, to the sender,
        // whether or not the process has started listening yet.
        Pid untyped = greeter;
        var badPayload = Runtime.Send(untyped, "greet", 42);
        var badTopic = Runtime.Send(untyped, "nope", "x");
        Assert.Contains("takes String, not Int32", badPayload.Error);
        Assert.Contains("has no topic 'nope' (its topics: greet, stop)", badTopic.Error);
        // The greeter was not harmed and still works.
        Assert.True(Runtime.IsAlive(greeter));
        Runtime.SendStop(greeter).ThrowIfFailed();
        Assert.Equal(0, (await exit.WaitAsync(Guard)).Result);

        // An entry with an [Inbox] takes any topic, but still checks the payload of declared ones.
        var echo = EchoWorker.Spawn(Runtime, Host).Value;
        Assert.True(Runtime.Send(echo, "anything", 1).Ok);
        Assert.Contains("takes EchoRequest", Runtime.Send((Pid)echo, "echo", "not a request").Error);
        Runtime.SendStop(echo).ThrowIfFailed();
    }

    [Fact]
    public async Task A_CSharp_process_drives_a_Lua_worker_through_generated_stubs()
    {
        var result = await Run(async ctx =>
        {
            var done = ctx.Listen<long>("done");
            var doubler = LuaEntries.AppE2e.Doubler.SpawnMonitored(ctx, Host).Value;
            ctx.SendTask(doubler, 21).ThrowIfFailed();
            var doubled = await done.ReceiveAsync();
            ctx.SendStop(doubler, null).ThrowIfFailed();
            var exit = await ctx.Events().ReceiveAsync();
            return $"{doubled}|{exit.Result}|{exit.Error}";
        });
        Assert.Equal("42|1|", result);
    }

    [Fact]
    public async Task A_Lua_process_talks_to_a_typed_CSharp_worker()
    {
        var greeter = Greeter.Spawn(Runtime, Host, "Hello").Value;
        var asked = await Runtime.RunAsync(ProcessReferences.Entries.AppE2eAsker, Host, (Pid)greeter, "Lua").WaitAsync(Guard);
        Assert.Null(asked.Error);
        Assert.Equal("Hello, Lua (from app.workers:greeter)", asked.Result);
        Runtime.SendStop(greeter).ThrowIfFailed();
    }

    [Fact]
    public void The_reference_table_lists_every_registered_entry_and_host()
    {
        var entries = typeof(ProcessReferences.Entries).GetFields().Select(f => (string)f.GetRawConstantValue()!).ToList();
        var hosts = typeof(ProcessReferences.Hosts).GetFields().Select(f => ((HostRef)f.GetValue(null)!).Reference).ToList();
        Assert.Equal(["app.e2e:asker", "app.e2e:calc", "app.e2e:doubler", "app.e2e:summer", "app.jobs:coordinator", "app.jobs:crasher", "app.jobs:graceful",
                      "app.jobs:recorder", "app.jobs:result-worker", "app.jobs:sleeper", "app.jobs:supervisor", "app.math:adder", "app.shop:joiner", "app.shop:orders",
                      "app.sup:counter", "app.sup:inner", "app.sup:root", "app.workers:echo", "app.workers:greeter", "app.workers:pricer", "app.workers:traced"], entries);
        Assert.Equal(["app.e2e:processes", "app:e2e"], hosts);
        Assert.All(entries, e => Assert.True(Runtime.Entries.Contains(e), e));
        Assert.All(hosts, h => Assert.True(Runtime.Hosts.Contains(h), h));
    }

    [Theory]
    [InlineData("ctx.SendNope(doubler, 1);", "CS1061")]          // unknown topic of a Lua worker
    [InlineData("ctx.SendTask(doubler, \"text\");", "CS1503")]    // wrong payload type (meta.topics says long)
    [InlineData("ctx.SendEcho(echo, \"text\");", "CS1503")]       // wrong payload type for a C# worker
    [InlineData("ctx.SendTask(echo, 1);", "CS1503")]              // a topic of another entry
    [InlineData("ctx.SendTask(doubler, 1); ctx.SendEcho(echo, new EchoRequest(\"x\"));", null)]
    [InlineData("Counter.Child(\"c\", new HostRef(\"app:e2e\"), \"one\", \"x\");", "CS1503")] // a supervisor child's main argument of the wrong type
    [InlineData("Countr.Child(\"c\", new HostRef(\"app:e2e\"), 1L, \"x\");", "CS0103")]        // a supervisor child of an unknown entry
    [InlineData("LuaEntries.AppE2e.Doubler.Child(\"d\", new HostRef(\"app:e2e\")); RootSupervisor.Child(\"r\", new HostRef(\"app:e2e\"));", null)]
    public void Mistakes_against_generated_stubs_do_not_compile(string statement, string? expectedError)
    {
        var compilation = CompileCaller(statement);
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.Id).ToList();
        if (expectedError is null) Assert.Empty(errors);
        else Assert.Equal([expectedError], errors);
    }

    [Theory]
    [InlineData("ctx.Send(doubler, \"nope\", 1L);", "TP0001")]               // unknown topic of a Lua worker, untyped send
    [InlineData("ctx.Send(echo, \"echp\", new EchoRequest(\"x\"));", "TP0001")] // ... of a C# worker (no inbox needed: typo)
    [InlineData("ctx.Send(doubler, \"task\", \"text\");", "TP0004")]          // payload type from meta.topics
    [InlineData("ctx.Spawn(\"app.e2e:nobody\", \"app:e2e\");", "TP0002")]       // unknown entry
    [InlineData("ctx.Spawn(\"app.e2e:doubler\", \"app:nohost\");", "TP0003")]   // unknown host
    [InlineData("ctx.Send(doubler, \"task\", 2L); ctx.Spawn(\"app.e2e:doubler\", \"app:e2e\");", null)]
    public async Task The_analyzers_catch_untyped_mistakes_across_the_CSharp_Lua_boundary(string statement, string? expected)
    {
        var compilation = CompileCaller(statement);
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        var ids = await AnalyzerDiagnosticIds(compilation);
        if (expected is null) Assert.Empty(ids);
        else Assert.Equal([expected], ids);
    }

    /// <summary>The ids of what the project's analyzers report on <paramref name="compilation"/>.</summary>
    internal static async Task<List<string>> AnalyzerDiagnosticIds(CSharpCompilation compilation)
    {
        var path = typeof(EndToEndTests).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .Cast<System.Reflection.AssemblyMetadataAttribute>().Single(a => a.Key == "AnalyzerAssembly").Value!;
        var analyzers = System.Reflection.Assembly.LoadFrom(path).GetTypes()
            .Where(t => !t.IsAbstract && typeof(Microsoft.CodeAnalysis.Diagnostics.DiagnosticAnalyzer).IsAssignableFrom(t))
            .Select(t => (Microsoft.CodeAnalysis.Diagnostics.DiagnosticAnalyzer)Activator.CreateInstance(t)!)
            .ToImmutableArray();
        Assert.NotEmpty(analyzers);
        var diagnostics = await compilation.WithAnalyzers(analyzers).GetAnalyzerDiagnosticsAsync();
        return diagnostics.Select(d => d.Id).ToList();
    }

    /// <summary>A user compilation, referencing this project (and its generated types), with one statement in a method
    /// whose parameters are <paramref name="parameters"/> (by default a context and typed PIDs of a Lua and a C# worker).</summary>
    internal static CSharpCompilation CompileCaller(string statement,
        string parameters = "ProcessContext ctx, Pid<LuaEntries.AppE2e.Doubler> doubler, Pid<EchoWorker> echo")
    {
        var source = $$"""
            using Typed.Processes;
            using Typed.Processes.EndToEnd;
            static class Caller
            {
                static async System.Threading.Tasks.Task Call({{parameters}})
                {
                    {{statement}}
                }
            }
            """;
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Append(typeof(EndToEndTests).Assembly.Location)
            .Select(p => MetadataReference.CreateFromFile(p));
        var compilation = CSharpCompilation.Create("Caller", [CSharpSyntaxTree.ParseText(source)], references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        return compilation;
    }
}
