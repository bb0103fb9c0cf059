using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Typed.Processes.Lua;
using Xunit;

namespace Typed.Processes.Lua.Tests;

/// <summary>Captures process output (print) for assertions.</summary>
public sealed class CapturingLoggerFactory : ILoggerFactory
{
    private readonly object _gate = new();
    private readonly List<(Func<string, bool> Match, int Count, TaskCompletionSource Done)> _waits = new();
    public ConcurrentQueue<string> Lines { get; } = new();

    /// <summary>Completes once <paramref name="count"/> logged lines satisfy <paramref name="match"/>.</summary>
    public Task WaitForLinesAsync(Func<string, bool> match, int count)
    {
        lock (_gate)
        {
            var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (Lines.Count(match) >= count) tcs.SetResult();
            else _waits.Add((match, count, tcs));
            return tcs.Task;
        }
    }

    private void Add(string line)
    {
        lock (_gate)
        {
            Lines.Enqueue(line);
            for (var i = _waits.Count - 1; i >= 0; i--)
                if (Lines.Count(_waits[i].Match) >= _waits[i].Count) { _waits[i].Done.SetResult(); _waits.RemoveAt(i); }
        }
    }

    public ILogger CreateLogger(string categoryName) => new L(this);
    public void AddProvider(ILoggerProvider provider) { }
    public void Dispose() { }
    private sealed class L(CapturingLoggerFactory f) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            f.Add(formatter(state, exception));
    }
}

public abstract class LuaTest : IAsyncLifetime
{
    protected const string Host = "app:processes";
    protected static readonly TimeSpan Guard = TimeSpan.FromSeconds(60); // a failure guard, never synchronisation: generous for loaded 2-core machines
    /// <summary>The seed examples, docs/examples/seed (the test project links docs/examples into its output).</summary>
    protected static readonly string SeedApp = Example("seed");
    /// <summary>The worker-pool example, docs/examples/worker-pool: the seed's worker pool.</summary>
    protected static readonly string WorkerPoolApp = Example("worker-pool");

    protected static string Example(string name) => Path.Combine(AppContext.BaseDirectory, "examples", name);
    protected CapturingLoggerFactory Log { get; } = new();
    protected ProcessRuntime Runtime { get; }

    protected LuaTest()
    {
        Runtime = new ProcessRuntime(new ProcessRuntimeOptions { LoggerFactory = Log });
        Runtime.AddLuaApplication(SeedApp);
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;
    public async ValueTask DisposeAsync() => await Runtime.DisposeAsync();

    protected string Lua(string source, string? name = null, LuaOptions? options = null)
    {
        var reference = "test:" + (name ?? "l" + Guid.NewGuid().ToString("N")[..8]);
        Runtime.Entries.Add(new LuaEntry(reference, source, reference + ".lua", options: options));
        return reference;
    }

    protected Task<ProcessEvent> Run(string entry, params object?[] args) =>
        Runtime.RunAsync(entry, Host, args).WaitAsync(Guard);
}

public class SeedTests : LuaTest
{
    public static TheoryData<string> SeedEntries() => new(TestEntries(SeedApp));

    private static IEnumerable<string> TestEntries(string app) =>
        LuaApplication.Load(app).Entries.Where(e => e.Meta.ContainsKey("test")).Select(e => e.Reference);

    [Theory]
    [MemberData(nameof(SeedEntries))]
    public async Task Seed_example_runs_unchanged(string entry)
    {
        var exit = await Run(entry);
        Assert.Null(exit.Error);
        Assert.Equal(true, exit.Result);
    }

    [Fact]
    public void Every_seed_example_is_present()
    {
        // the design document's 11 examples: 10 in docs/examples/seed, the worker pool in docs/examples/worker-pool
        Assert.Equal(10, SeedEntries().Count);
        Assert.Equal(["app.test.process:worker_pool"], TestEntries(WorkerPoolApp));
    }

    [Fact]
    public async Task Seed_inbox_worker_routes_specific_topic_to_its_listener_and_the_rest_to_the_inbox()
    {
        var pid = Runtime.Spawn("app.test.process:inbox_worker", Host).Value;
        var exit = Runtime.WaitForExitAsync(pid);
        Runtime.Send(pid, "specific_topic", "s1").ThrowIfFailed();
        Runtime.Send(pid, "other", "o1").ThrowIfFailed();
        var probe = Lua("""return { main = function(p) process.send(p, "other", "o2") return true end }""");
        Assert.Equal(true, (await Run(probe, pid)).Result);
        // The worker loops forever: wait until it has printed both inbox messages, then stop it
        // and check it never failed and the listener's message never reached the inbox.
        await Log.WaitForLinesAsync(l => l.Contains("Inbox got:"), 2).WaitAsync(Guard);
        Assert.False(exit.IsCompleted);
        Runtime.Terminate(pid).ThrowIfFailed();
        Assert.Equal("terminated", (await exit.WaitAsync(Guard)).Error);
        Assert.Equal(2, Log.Lines.Count(l => l.Contains("Inbox got:")));
    }

    [Fact]
    public async Task Worker_pool_prints_each_completion()
    {
        var log = new CapturingLoggerFactory();
        await using var runtime = new ProcessRuntime(new ProcessRuntimeOptions { LoggerFactory = log });
        runtime.AddLuaApplication(WorkerPoolApp);
        var exit = await runtime.RunAsync("app.test.process:worker_pool", Host, CancellationToken.None).WaitAsync(Guard);
        Assert.Null(exit.Error);
        Assert.Equal(true, exit.Result);
        foreach (var (task, value) in new[] { (1, 20), (2, 40), (3, 60), (4, 80), (5, 100) })
            Assert.Contains(log.Lines, l => l.EndsWith($"Worker {task} completed:\t{value}", StringComparison.Ordinal));
    }
}

public class LuaRuleTests : LuaTest
{
    [Fact]
    public async Task Results_and_errors_become_the_exit_event()
    {
        Assert.Equal(42L, (await Run(Lua("return { main = function() return 42 end }"))).Result);
        Assert.Equal(1.5, (await Run(Lua("return { main = function() return 1.5 end }"))).Result);
        Assert.Contains("boom", (await Run(Lua("return { main = function() error('boom') end }"))).Error);
        Assert.Equal("bad thing", (await Run(Lua("return { main = function() return nil, 'bad thing' end }"))).Error);
        Assert.Equal("nope", (await Run(Lua("return { main = function() return false, 'nope' end }"))).Error);
        Assert.Contains("table:", (await Run(Lua("return { main = function() error({ code = 1 }) end }"))).Error);
        Assert.Equal("custom", (await Run(Lua("return { main = function() error(setmetatable({}, { __tostring = function() return 'custom' end })) end }"))).Error);
        var deep = "local function f() return 1 + f() end return { main = function() return f() end }";
        Assert.Contains("stack overflow", (await Run(Lua(deep, options: new LuaOptions { MemoryLimitBytes = 512L << 20 }))).Error);
        // Under the default 64 MB ceiling the same recursion ends on the memory limit: still only that process.
        Assert.Matches("stack overflow|not enough memory", (await Run(Lua(deep))).Error);
    }

    [Fact]
    public async Task Arguments_and_payloads_map_both_ways_and_integers_stay_integers()
    {
        var echo = Lua("""
            return { main = function(a, b, t)
              return { a = a, b = b, math.type(a), math.type(b), t.list[3], t.nested.deep, #t.list }
            end }
            """);
        var table = PayloadTable.Create(new Dictionary<object, object?>
        {
            ["list"] = PayloadTable.FromItems(1L, 2L, "three"),
            ["nested"] = PayloadTable.FromFields([new("deep", true)]),
        });
        var r = (PayloadTable)(await Run(echo, 7L, 2.5, table)).Result!;
        Assert.Equal(["integer", "float", "three", true, 3L], r.Items);
        Assert.Equal(7L, r["a"]);
        Assert.Equal(2.5, r["b"]);
    }

    [Fact]
    public async Task Unsendable_values_give_errors_and_deliver_nothing()
    {
        var result = await Run(Lua("""
            return { main = function()
              local me = process.pid()
              local cyclic = {} cyclic.self = cyclic
              local ok1, e1 = process.send(me, "t", function() end)
              local ok2, e2 = process.send(me, "t", cyclic)
              local ok3, e3 = process.send(me, "t", coroutine.create(function() end))
              local p, e4 = process.spawn("app.test.process:long_worker", "app:processes", { f = print })
              local r = channel.select { process.inbox():case_receive(), default = true }
              return tostring(ok1) .. "|" .. e1 .. "|" .. e2 .. "|" .. e3 .. "|" .. tostring(p) .. "|" .. e4 .. "|" .. tostring(r.default)
            end }
            """));
        Assert.Null(result.Error);
        var parts = ((string)result.Result!).Split('|');
        Assert.Equal("nil", parts[0]); // every failing call gives nil, err (issue 10; was false, err for send)
        Assert.Contains("function cannot be sent", parts[1]);
        Assert.Contains("cyclic table", parts[2]);
        Assert.Contains("thread cannot be sent", parts[3]);
        Assert.Equal("nil", parts[4]);
        Assert.Contains("argument 1", parts[5]);
        Assert.Equal("true", parts[6]);
    }

    [Fact]
    public async Task Bad_entry_host_and_pid_give_nil_err_and_the_caller_carries_on()
    {
        var r = await Run(Lua("""
            return { main = function()
              local p1, e1 = process.spawn("app:nope", "app:processes")
              local p2, e2 = process.spawn("app.test.process:long_worker", "app:nohost")
              local ok3, e3 = process.send("{garbage", "t", 1)
              local ok4, e4 = process.monitor("no_such_name")
              return e1 .. "|" .. e2 .. "|" .. e3 .. "|" .. e4
            end }
            """));
        Assert.Equal("unknown entry 'app:nope'|host not found: 'app:nohost'|malformed PID '{garbage'|could not resolve 'no_such_name' as PID or registered name", r.Result);
    }

    [Fact]
    public async Task Sandbox_hides_io_os_execute_debug_loadfile_and_native_loaders()
    {
        var r = await Run(Lua("""
            return { main = function()
              local hidden = io == nil and os.execute == nil and os.exit == nil and os.remove == nil and debug == nil
                and loadfile == nil and dofile == nil and package == nil
              local works = type(os.time()) == "number" and type(os.clock()) == "number" and type(os.date("%Y")) == "string"
              local okreq = pcall(require, "os")
              local bin = load("\27Lua")
              return hidden, works, okreq, bin
            end }
            """));
        Assert.Equal(true, r.Result);
        var r2 = await Run(Lua("return { main = function() return require('time') == time and require('channel') == channel and require('process') == process end }"));
        Assert.Equal(true, r2.Result);
    }

    [Fact]
    public async Task Globals_of_one_process_are_invisible_to_another()
    {
        // The libraries are shared by every process and read-only: a write is an error, never seen by another process.
        var writer = Lua("return { main = function() shared_global = 'leak'; return shared_global == 'leak' and not pcall(function() string.leak = 'x' end) end }");
        var reader = Lua("return { main = function() return shared_global == nil and string.leak == nil end }");
        Assert.Equal(true, (await Run(writer)).Result);
        Assert.Equal(true, (await Run(reader)).Result);
    }

    [Fact]
    public async Task An_endless_loop_does_not_starve_its_host_and_can_be_terminated()
    {
        Runtime.Hosts.Add("app:one", 1);
        var spin = Lua("return { main = function() local n = 0 while true do n = n + 1 end end }");
        var quick = Lua("return { main = function() time.sleep('20ms') return 'still scheduled' end }");
        var spinner = Runtime.Spawn(spin, "app:one").Value;
        var spinnerExit = Runtime.WaitForExitAsync(spinner);
        var other = await Runtime.RunAsync(quick, "app:one").WaitAsync(Guard);
        Assert.Equal("still scheduled", other.Result);
        Runtime.Terminate(spinner).ThrowIfFailed();
        Assert.Equal("terminated", (await spinnerExit.WaitAsync(Guard)).Error);
    }

    [Fact]
    public async Task Exceeding_the_memory_ceiling_ends_only_that_process()
    {
        var hog = Lua("return { main = function() local t = {} for i = 1, 1e8 do t[i] = ('x'):rep(100) .. i end end }",
            options: new LuaOptions { MemoryLimitBytes = 4 * 1024 * 1024 });
        var e = await Run(hog);
        Assert.Contains("not enough memory", e.Error);
        Assert.Equal(true, (await Run("app.test.process:seed_registry")).Result);
    }

    [Fact]
    public async Task CSharp_and_Lua_processes_message_monitor_and_link_each_other()
    {
        // C# -> Lua echo, reply back to C#.
        Runtime.Entries.Add("cs:client", async ctx =>
        {
            var replies = ctx.ListenMessages("reply");
            var echo = ctx.SpawnMonitored("app.test.process:echo_worker", Host).Value;
            ctx.Send(echo, "echo", PayloadTable.FromFields([new("n", 5L)])).ThrowIfFailed();
            var reply = await replies.ReceiveAsync();
            var exit = await ctx.Events().ReceiveAsync();
            return $"{((PayloadTable)reply.Payload!)["n"]}|{reply.From == echo}|{exit.Result}";
        });
        Assert.Equal("5|True|True", (await Run("cs:client")).Result);

        // Lua monitors and traps a link to a failing C# process.
        Runtime.Entries.Add("cs:fails", async ctx => { await ctx.Sleep(TimeSpan.FromMilliseconds(5)); throw new InvalidOperationException("cs failure"); });
        Runtime.Entries.Add("cs:answers", async ctx =>
        {
            var m = await ctx.ListenMessages("ask").ReceiveAsync();
            ctx.Send(m.From!, "answer", (long)m.Payload! + 1).ThrowIfFailed();
            return null;
        });
        var lua = Lua("""
            return { main = function()
              process.set_options({ trap_links = true })
              local ev = process.events()
              local f = process.spawn_linked("cs:fails", "app:processes")
              local e1 = ev:receive()
              local a = process.spawn_monitored("cs:answers", "app:processes")
              local answers = process.listen("answer")
              process.send(a, "ask", 41)
              local v = answers:receive()
              local e2 = ev:receive()
              return e1.kind .. "|" .. e1.error .. "|" .. math.type(v) .. v .. "|" .. e2.kind
            end }
            """);
        Assert.Equal("pid.link.down|InvalidOperationException: cs failure|integer42|pid.exit", (await Run(lua)).Result);

        // A C# process linked to a failing Lua process dies with the Lua error as the cause.
        Runtime.Entries.Add("cs:linker", async ctx =>
        {
            ctx.SpawnLinked("app.test.process:error_exit_worker", Host).ThrowIfFailed();
            await ctx.Listen("never").ReceiveAsync();
            return "survived?!";
        });
        Assert.Contains("worker failed on purpose", (await Run("cs:linker")).Error);
    }

    [Fact]
    public async Task A_CSharp_payload_a_Lua_process_cannot_represent_is_refused_for_the_sender()
    {
        var pid = Runtime.Spawn("app.test.process:child_worker", Host).Value;
        var r = Runtime.Send(pid, "x", new ImmutableThing());
        Assert.False(r.Ok);
        Assert.Contains("cannot receive a payload of type", r.Error);
        Runtime.Terminate(pid);
    }

    [Immutable] private sealed class ImmutableThing;

    [Fact]
    public async Task Owned_channels_cannot_be_closed_and_local_channels_work()
    {
        var r = await Run(Lua("""
            return { main = function()
              local ok, err = pcall(function() process.events():close() end)
              local ch = channel.new(1)
              ch:send("v")
              local v, okv = ch:receive()
              ch:close()
              local v2, ok2 = ch:receive()
              local r = channel.select { ch:case_receive(), default = true }
              return tostring(ok) .. "|" .. tostring(err):match("cannot close.*") .. "|" .. v .. tostring(okv) .. "|" .. tostring(v2) .. tostring(ok2)
            end }
            """));
        Assert.Equal("false|cannot close the process's own events channel|vtrue|nilfalse", r.Result);
    }

    [Fact]
    public async Task Send_with_several_values_is_one_array_message_and_cancel_delivers_an_event()
    {
        var r = await Run(Lua("""
            return { main = function()
              local me = process.pid()
              local ch = process.listen("n")
              process.send(me, "n", 1, 2, 3)
              local t = ch:receive()
              local none = channel.select { ch:case_receive(), default = true } -- one message, not three
              local ev = process.events()
              process.cancel(me, "5s")
              local e = ev:receive()
              assert(e.kind == process.event.CANCEL and e.deadline > e.at and none.default)
              return t[1] * 100 + t[2] * 10 + t[3]
            end }
            """));
        Assert.Equal(123L, r.Result);
    }

    [Fact]
    public async Task Lua_echo_ping_pong_never_loses_a_wake_up()
    {
        // Regression: a wake-up racing with the end of a slice was once lost and the pair hung (twice: once in the
        // run-state hand-off, once when a late reset of a "wake pending" flag cleared a newer wake-up). Several pairs
        // at once on two workers make those interleavings frequent.
        const long rounds = 20_000;
        var echo = Lua("return { main = function() local ch = process.listen('ping', { message = true }) while true do local m = ch:receive() process.send(m:from(), 'pong', m:payload()) end end }");
        var client = Lua("return { main = function(e, n) local ch = process.listen('pong') local s = 0 for i = 1, n do process.send(e, 'ping', i) s = s + ch:receive() end return s end }");
        var echoes = Enumerable.Range(0, 4).Select(_ => Runtime.Spawn(echo, Host).Value).ToArray();
        var results = await Task.WhenAll(echoes.Select(e => Runtime.RunAsync(client, Host, e, rounds))).WaitAsync(TimeSpan.FromMinutes(2));
        Assert.All(results, r => Assert.Equal(rounds * (rounds + 1) / 2, r.Result));
        foreach (var e in echoes) Runtime.Terminate(e);
    }

    [Fact]
    public async Task Ten_thousand_idle_Lua_processes_wait_on_a_two_worker_host()
    {
        const int count = 10_000;
        var idle = Lua("return { main = function() return process.listen('go'):receive() end }");
        var pids = Enumerable.Range(0, count).Select(_ => Runtime.Spawn(idle, Host).Value).ToArray();
        var exits = pids.Select(p => Runtime.WaitForExitAsync(p)).ToArray();
        Assert.Equal(count, Runtime.ProcessCount);
        for (int i = 0; i < count; i++) Runtime.Send(pids[i], "go", (long)i).ThrowIfFailed();
        var events = await Task.WhenAll(exits).WaitAsync(TimeSpan.FromMinutes(2));
        Assert.Equal((long)count * (count - 1) / 2, events.Sum(e => (long)e.Result!));
    }
}

public class ManifestAndCliTests
{
    private static string TempApp(params (string Path, string Text)[] files)
    {
        var dir = Path.Combine(Path.GetTempPath(), "tproc-" + Guid.NewGuid().ToString("N"));
        foreach (var (p, t) in files)
        {
            var full = Path.Combine(dir, p);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, t);
        }
        return dir;
    }

    private const string HostYaml = "version: \"1.0\"\nnamespace: app\nentries:\n  - name: processes\n    kind: process.host\n    host:\n      workers: 2\n";

    [Fact]
    public void Syntax_errors_missing_files_broken_yaml_and_unknown_kinds_are_reported_with_file_and_line()
    {
        var dir = TempApp(
            ("_index.yaml", HostYaml),
            ("a/_index.yaml", "version: \"1.0\"\nnamespace: a\nentries:\n  - name: bad\n    kind: process.lua\n    source: file://bad.lua\n  - name: gone\n    kind: process.lua\n    source: file://missing.lua\n  - name: odd\n    kind: http.service\n"),
            ("a/bad.lua", "return {\n main = function()\n  local x = = 1\n end }\n"),
            ("b/_index.yaml", "namespace: b\nentries: [ {name: x\n"));
        var app = LuaApplication.Load(dir);
        Assert.Contains(app.Errors, e => e.Contains("bad.lua:3:"));
        Assert.Contains(app.Errors, e => e.Contains("missing.lua") && e.Contains("not found"));
        Assert.Contains(app.Errors, e => e.Contains(Path.Combine("b", "_index.yaml") + ":"));
        Assert.Contains(app.Warnings, w => w.Contains("'a:odd'") && w.Contains("unsupported kind 'http.service'"));
    }

    [Fact]
    public async Task Tproc_run_exit_codes()
    {
        var dir = TempApp(
            ("_index.yaml", HostYaml),
            ("w/_index.yaml", "namespace: w\nentries:\n  - name: ok\n    kind: process.lua\n    source: |\n      return { main = function(a, b) return a + b end }\n  - name: falsy\n    kind: process.lua\n    source: |\n      return { main = function() return false end }\n  - name: fails\n    kind: process.lua\n    source: |\n      return { main = function() error('broken') end }\n"));
        var ok = await CliTests.Tproc("run", dir, "w:ok", "2", "3");
        Assert.Equal((0, "5"), (ok.Code, ok.Out.Trim()));
        Assert.Equal(1, (await CliTests.Tproc("run", dir, "w:falsy")).Code);
        var fails = await CliTests.Tproc("run", dir, "w:fails");
        Assert.Equal(1, fails.Code);
        Assert.Contains("broken", fails.Err);
        Assert.Equal(2, (await CliTests.Tproc("run", dir, "w:nope")).Code);
        Assert.Equal(2, (await CliTests.Tproc("run", dir, "w:ok", "--host", "app:nohost")).Code);
        Assert.Equal(2, (await CliTests.Tproc("run", "/no/such/dir", "w:ok")).Code);
        var test = await CliTests.Tproc("test", Path.Combine(AppContext.BaseDirectory, "examples", "seed"));
        Assert.Equal(0, test.Code);
        Assert.EndsWith("10 passed, 0 failed", test.Out.Trim());
        var pool = await CliTests.Tproc("test", Path.Combine(AppContext.BaseDirectory, "examples", "worker-pool"));
        Assert.Equal(0, pool.Code);
        Assert.EndsWith("1 passed, 0 failed", pool.Out.Trim());
    }
}
