using Xunit;
using Typed.Processes.Lua;
using Typed.Processes.Tests;

namespace Typed.Processes.Lua.Tests;

/// <summary>Wippy's services (<c>process.service</c>) started from a manifest, with C# workers and a fake clock.</summary>
public sealed class ServiceTests : IAsyncLifetime
{
    private const string Host = "app:processes";
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);
    private readonly ManualTime _time = new();
    private readonly ProcessRuntime _runtime;
    private readonly SupervisorKit _kit = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("tp-svc-").FullName;

    public ServiceTests()
    {
        _runtime = new ProcessRuntime(new ProcessRuntimeOptions { TimeProvider = _time });
        _runtime.Hosts.Add(Host, workers: 2);
        foreach (var id in new[] { "db", "cache" }) _runtime.Entries.Add("app:" + id + "_main", _kit.Worker(id));
        // web registers its name in main, as a Wippy service does; every restart registers it again.
        var web = _kit.Worker("web");
        _runtime.Entries.Add("app:web_main", async ctx =>
        {
            Assert.True(ctx.Register("web").Ok);
            return await web(ctx);
        });
        // Signals readiness when told to ("ready"), or crashes first ("crash").
        _runtime.Entries.Add("app:slow_main", async ctx =>
        {
            _kit.Pids["slow"] = ctx.Self;
            _kit.Record("start slow");
            var inbox = ctx.Inbox();
            var events = ctx.Events();
            while (true)
            {
                var s = await ctx.Select(events.CaseReceive(), inbox.CaseReceive());
                if (s.Index == 0)
                {
                    if (((ProcessEvent)s.Value!).Kind != ProcessEventKind.Cancel) continue;
                    _kit.Record("stop slow");
                    return null;
                }
                var m = (Message)s.Value!;
                if (m.Topic == "crash") throw new InvalidOperationException("slow crashed while starting");
                if (m.Topic == "ready")
                {
                    _kit.Record("ready slow");
                    Assert.True(ctx.SignalReady());
                    Assert.False(ctx.SignalReady()); // once
                }
            }
        });
    }

    /// <summary>db is slow_main, signals readiness, within a 5 s start_timeout; cache requires it.</summary>
    private const string Readiness = """
        namespace: app
        entries:
          - name: db
            kind: process.service
            process: app:slow_main
            host: app:processes
            lifecycle:
              readiness: signal
              start_timeout: 5s
          - name: cache
            kind: process.service
            process: app:cache_main
            host: app:processes
            lifecycle:
              requires: [app:db]
        """;

    private Task<Result<RunningServices>> StartAsync(string manifest)
    {
        File.WriteAllText(Path.Combine(_dir, "_index.yaml"), manifest);
        var app = LuaApplication.Load(_dir);
        Assert.Empty(app.Errors);
        Assert.True(app.Services.Single(s => s.Reference == "app:db").SignalsReady);
        app.AddTo(_runtime);
        return app.StartServicesAsync(_runtime);
    }

    [Fact]
    public async Task A_service_that_signals_readiness_is_started_only_then_and_what_requires_it_waits()
    {
        var start = StartAsync(Readiness);
        Assert.Equal("start slow", await _kit.Next());
        Assert.False(start.IsCompleted);
        Assert.True(_runtime.Send(_kit.Pids["slow"], "ready", null).Ok);
        Assert.Equal(["ready slow", "start cache"], await _kit.Next(2));
        var services = await start.WaitAsync(Guard);
        Assert.True(services.Ok, services.Error);
        Assert.Equal(["app:db", "app:cache"], services.Value.Services.Select(s => s.Reference));
        await services.Value.StopAsync().WaitAsync(Guard);
        Assert.Equal(["stop cache", "stop slow"], await _kit.Next(2));
        Assert.Equal(0, _runtime.ProcessCount);
    }

    [Fact]
    public async Task A_service_not_ready_within_its_start_timeout_fails_the_start_naming_it_and_is_terminated()
    {
        var start = StartAsync(Readiness);
        Assert.Equal("start slow", await _kit.Next());
        var slow = _kit.Pids["slow"];
        _time.Advance(TimeSpan.FromSeconds(5) - TimeSpan.FromMilliseconds(1));
        Assert.False(start.IsCompleted);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        var result = await start.WaitAsync(Guard);
        Assert.False(result.Ok);
        Assert.Contains("_index.yaml:3: service 'app:db': ", result.Error);
        Assert.Contains("not started within 5000ms (it did not signal it was ready)", result.Error);
        await _runtime.WaitForExitAsync(slow).WaitAsync(Guard);
        Assert.False(_kit.TryNext(out var extra), "unexpected: " + extra); // cache never started
        Assert.Equal(0, _runtime.ProcessCount);
    }

    [Fact]
    public async Task A_service_that_fails_before_it_is_started_fails_the_start_and_is_not_restarted()
    {
        var start = StartAsync(Readiness);
        Assert.Equal("start slow", await _kit.Next());
        Assert.True(_runtime.Send(_kit.Pids["slow"], "crash", null).Ok);
        var result = await start.WaitAsync(Guard);
        Assert.False(result.Ok);
        Assert.Contains("service 'app:db': ", result.Error);
        Assert.Contains("it failed before it was started: ", result.Error);
        Assert.Contains("slow crashed while starting", result.Error);
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.False(_kit.TryNext(out var extra), "unexpected: " + extra);
        Assert.Equal(0, _runtime.ProcessCount);
    }

    // In main (true the first time a supervisor waits, false after), or at the chunk's top level, which runs at spawn
    // before the supervisor's wait is attached (it must be remembered, not lost).
    [Theory]
    [InlineData("local function main()\n  assert(process.ready() == true)\n  assert(process.ready() == false)\n  process.events():receive()\nend\nreturn { main = main }\n")]
    [InlineData("process.ready()\nlocal function main()\n  process.events():receive()\nend\nreturn { main = main }\n")]
    public async Task A_Lua_service_signals_readiness_with_process_ready(string source)
    {
        File.WriteAllText(Path.Combine(_dir, "ready.lua"), source);
        var start = StartAsync(Readiness.Replace("process: app:slow_main", "process: app:lua_db") + """

              - name: lua_db
                kind: process.lua
                source: file://ready.lua
                method: main
            """);
        var services = await start.WaitAsync(Guard);
        Assert.True(services.Ok, services.Error);
        Assert.Equal("start cache", await _kit.Next());
        await services.Value.StopAsync().WaitAsync(Guard);
        Assert.Equal(0, _runtime.ProcessCount);
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        await _runtime.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private const string Manifest = """
        namespace: app
        entries:
          - name: web
            kind: process.service
            process: app:web_main
            host: app:processes
            input: ["web"]
            lifecycle:
              requires: [app:cache]
              restart: { initial_delay: 1s, max_delay: 4s, backoff_factor: 2, max_attempts: 3 }
              stable_threshold: 1h
          - name: cache
            kind: process.service
            process: app:cache_main
            host: app:processes
            lifecycle:
              requires: [app:db]
          - name: db
            kind: process.service
            process: app:db_main
            host: app:processes
          - name: manual
            kind: process.service
            process: app:db_main
            host: app:processes
            lifecycle:
              auto_start: false
        """;

    private async Task<RunningServices> Start(string manifest = Manifest)
    {
        File.WriteAllText(Path.Combine(_dir, "_index.yaml"), manifest);
        var app = LuaApplication.Load(_dir);
        Assert.Empty(app.Errors);
        var started = await app.StartServicesAsync(_runtime).WaitAsync(Guard);
        Assert.True(started.Ok, started.Error);
        return started.Value;
    }

    private async Task<ChildInfo> Info(RunningServices services, string reference)
    {
        var children = await _runtime.Supervisor(services.SupervisorOf(reference)!.Value.Pid).WhichChildrenAsync().AsTask().WaitAsync(Guard);
        Assert.True(children.Ok, children.Error);
        return Assert.Single(children.Value);
    }

    private async Task Send(string id, string topic)
    {
        var pid = _kit.Pids[id];
        var exit = _runtime.WaitForExitAsync(pid);
        Assert.True(_runtime.Send(pid, topic, null).Ok);
        await exit.WaitAsync(Guard);
    }

    [Fact]
    public async Task Auto_start_services_start_after_what_they_require_and_stop_in_reverse_order()
    {
        var services = await Start();
        Assert.Equal(["start db", "start cache", "start web"], await _kit.Next(3));
        Assert.Equal(["app:db", "app:cache", "app:web"], services.Services.Select(s => s.Reference));
        Assert.Null(services.SupervisorOf("app:manual"));
        await services.StopAsync().WaitAsync(Guard);
        Assert.Equal(["stop web", "stop cache", "stop db"], await _kit.Next(3));
        Assert.Equal(0, _runtime.ProcessCount);
    }

    [Fact]
    public async Task An_error_exit_restarts_with_backoff_keeping_the_name_and_max_attempts_ends_the_retries()
    {
        var services = await Start();
        await _kit.Next(3);
        for (int attempt = 1; attempt <= 3; attempt++)
        {
            var old = _kit.Pids["web"];
            await Send("web", "crash");
            Assert.True((await Info(services, "app:web")).RestartPending);
            var delay = TimeSpan.FromSeconds(Math.Min(4, 1 << (attempt - 1)));
            _time.Advance(delay - TimeSpan.FromMilliseconds(1));
            Assert.True((await Info(services, "app:web")).RestartPending, $"restarted before {delay}");
            _time.Advance(TimeSpan.FromMilliseconds(1));
            Assert.Equal("start web", await _kit.Next());
            Assert.NotEqual(old, _kit.Pids["web"]);
            Assert.Equal(_kit.Pids["web"], _runtime.Registry.Lookup("web").Value);
        }
        await Send("web", "crash"); // a fourth failure in a row: max_attempts (3) reached, the service stays down
        var web = await Info(services, "app:web");
        Assert.False(web.RestartPending);
        Assert.Null(web.Pid);
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.False(_kit.TryNext(out var extra), "unexpected: " + extra);
    }

    [Fact]
    public async Task A_normal_exit_and_a_termination_are_final()
    {
        var services = await Start();
        await _kit.Next(3);
        await Send("db", "exit");
        var exitDb = _runtime.WaitForExitAsync(_kit.Pids["cache"]);
        Assert.True(_runtime.Terminate(_kit.Pids["cache"]).Ok);
        await exitDb.WaitAsync(Guard);
        foreach (var reference in new[] { "app:db", "app:cache" })
        {
            var info = await Info(services, reference);
            Assert.Null(info.Pid);
            Assert.False(info.RestartPending);
        }
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.False(_kit.TryNext(out var extra), "unexpected: " + extra);
        Assert.NotNull((await Info(services, "app:web")).Pid);
    }

    [Fact]
    public async Task A_service_whose_process_does_not_exist_fails_the_start_and_the_started_ones_stop_in_reverse_order()
    {
        File.WriteAllText(Path.Combine(_dir, "_index.yaml"), Manifest.Replace("process: app:web_main", "process: app:nothing"));
        var app = LuaApplication.Load(_dir);
        var started = await app.StartServicesAsync(_runtime).WaitAsync(Guard);
        Assert.False(started.Ok);
        Assert.Contains("service 'app:web'", started.Error);
        var seen = await _kit.Next(4);
        // Services are spawned in requires order, but a service's first run is not awaited before the next is
        // spawned (start is spawn order), so the two "start" lines may come in either order; the stop is ordered.
        Assert.Equal(["start cache", "start db"], seen.Take(2).Order(StringComparer.Ordinal));
        Assert.Equal(["stop cache", "stop db"], seen.Skip(2));
    }
}
