using Xunit;
using Typed.Processes.Lua;
using Typed.Processes.Tests;

namespace Typed.Processes.Lua.Tests;

/// <summary>
/// Supervisors declared in manifests (<c>process.supervisor</c>) and driven from Lua (the <c>supervisor</c> module),
/// with C# test workers (<see cref="SupervisorKit"/>: every start and stop is logged in order) and a fake clock.
/// </summary>
public sealed class LuaSupervisorTests : IAsyncLifetime
{
    private const string Host = "app:processes";
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);
    private readonly ManualTime _time = new();
    private readonly ProcessRuntime _runtime;
    private readonly SupervisorKit _kit = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("tp-lsup-").FullName;

    public LuaSupervisorTests()
    {
        _runtime = new ProcessRuntime(new ProcessRuntimeOptions { TimeProvider = _time });
        _runtime.Hosts.Add(Host, workers: 2);
        foreach (var id in new[] { "a", "b", "c", "p", "t", "m", "w" }) _runtime.Entries.Add("app:" + id, _kit.Worker(id));
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        await _runtime.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>Loads <paramref name="manifest"/> and starts its services (a supervisor is started with its children).</summary>
    private async Task<(LuaApplication App, RunningServices Services)> Start(string manifest)
    {
        File.WriteAllText(Path.Combine(_dir, "_index.yaml"), manifest);
        var app = LuaApplication.Load(_dir);
        Assert.Empty(app.Errors);
        app.AddTo(_runtime);
        var started = await app.StartServicesAsync(_runtime).WaitAsync(Guard);
        Assert.True(started.Ok, started.Error);
        return (app, started.Value);
    }

    /// <summary>The PID of the supervisor that the service <paramref name="service"/> runs.</summary>
    private async Task<Pid> ServiceProcess(RunningServices services, string service)
    {
        var children = await _runtime.Supervisor(services.SupervisorOf(service)!.Value.Pid).WhichChildrenAsync().AsTask().WaitAsync(Guard);
        Assert.True(children.Ok, children.Error);
        var child = Assert.Single(children.Value);
        Assert.True(child.IsSupervisor);
        return child.Pid!;
    }

    private async Task<IReadOnlyList<ChildInfo>> Children(Pid supervisor)
    {
        var children = await _runtime.Supervisor(supervisor).WhichChildrenAsync().AsTask().WaitAsync(Guard);
        Assert.True(children.Ok, children.Error);
        return children.Value;
    }

    private async Task Send(string id, string topic)
    {
        var pid = _kit.Pids[id];
        var exit = _runtime.WaitForExitAsync(pid);
        var sent = _runtime.Send(pid, topic, null);
        Assert.True(sent.Ok, $"{id} {pid}: {sent.Error}");
        await exit.WaitAsync(Guard);
    }

    private static string Tree(string strategy, string intensity = "10") => $"""
        namespace: app
        entries:
          - name: processes
            kind: process.host
          - name: svc
            kind: process.service
            process: app:tree
            host: app:processes
          - name: tree
            kind: process.supervisor
            host: app:processes
            strategy: {strategy}
            intensity: {intensity}
            period: 1m
            children:
              - process: app:a
                readiness: signal
              - process: app:b
                readiness: signal
                shutdown: 2s
              - id: third
                process: app:c
                restart: permanent
                shutdown: brutal
        """;

    [Theory]
    [InlineData("one_for_one", new[] { "start b" })]
    [InlineData("one_for_all", new[] { "stop a", "start a", "start b" })] // c is brutal: no "stop c"
    [InlineData("rest_for_one", new[] { "start b" })]
    public async Task Every_strategy_of_a_manifest_supervisor_restarts_what_it_says(string strategy, string[] expected)
    {
        var (_, services) = await Start(Tree(strategy));
        Assert.Equal(["start a", "start b", "start c"], await _kit.Next(3)); // ordered start
        var tree = await ServiceProcess(services, "app:svc");
        var before = (await Children(tree)).ToDictionary(c => c.Id, c => c.Pid);
        await Send("b", "crash");
        Assert.Equal(expected, await _kit.Next(expected.Length));
        var after = (await Children(tree)).ToDictionary(c => c.Id, c => c.Pid);
        Assert.Equal(["app:a", "app:b", "third"], after.Keys);
        Assert.NotEqual(before["app:b"], after["app:b"]);
        // one_for_one leaves a and c alone; one_for_all restarts both; rest_for_one restarts c (after b), not a.
        Assert.Equal(strategy == "one_for_all", before["app:a"] != after["app:a"]);
        Assert.Equal(strategy != "one_for_one", before["third"] != after["third"]);
        if (strategy != "one_for_one") Assert.Equal("start c", await _kit.Next());
        Assert.False(_kit.TryNext(out var extra), "unexpected: " + extra);
    }

    [Fact]
    public async Task Stopping_the_service_stops_the_children_in_reverse_order()
    {
        var (_, services) = await Start(Tree("one_for_one").Replace("shutdown: brutal", "shutdown: 1s"));
        Assert.Equal(["start a", "start b", "start c"], await _kit.Next(3));
        await services.StopAsync().WaitAsync(Guard);
        Assert.Equal(["stop c", "stop b", "stop a"], await _kit.Next(3));
        Assert.Equal(0, _runtime.ProcessCount);
    }

    [Fact]
    public async Task Past_its_intensity_a_nested_supervisor_fails_and_its_parent_restarts_it()
    {
        var (_, services) = await Start("""
            namespace: app
            entries:
              - name: svc
                kind: process.service
                process: app:root
                host: app:processes
              - name: root
                kind: process.supervisor
                host: app:processes
                intensity: 1
                period: 1m
                children:
                  - { process: app:a, readiness: signal }
                  - process: app:sub
              - name: sub
                kind: process.supervisor
                host: app:processes
                intensity: 0
                children:
                  - process: app:w
            """);
        Assert.Equal(["start a", "start w"], await _kit.Next(2));
        var root = await ServiceProcess(services, "app:svc");
        var sub = (await Children(root)).Single(c => c.Id == "app:sub");
        Assert.True(sub.IsSupervisor);
        var subExit = _runtime.WaitForExitAsync(sub.Pid!);
        await Send("w", "crash"); // sub may not restart at all (intensity 0): it gives up, root restarts it
        var ended = await subExit.WaitAsync(Guard);
        Assert.Contains("reached its restart intensity", ended.Error);
        Assert.Equal("start w", await _kit.Next());
        var again = (await Children(root)).Single(c => c.Id == "app:sub");
        Assert.NotEqual(sub.Pid, again.Pid);

        // The second failure within root's period is past root's intensity (1): root gives up too, and so the
        // service's own supervisor sees its process fail (and restarts it after its backoff).
        var rootExit = _runtime.WaitForExitAsync(root);
        await Send("w", "crash");
        var rootEnded = await rootExit.WaitAsync(Guard);
        Assert.Contains("reached its restart intensity (1 restart(s)", rootEnded.Error);
        Assert.Equal("stop a", await _kit.Next()); // root stops its other children on the way out
    }

    [Fact]
    public async Task Restart_types_permanent_transient_and_temporary_from_Lua()
    {
        File.WriteAllText(Path.Combine(_dir, "driver.lua"), """
            local supervisor = require("supervisor")
            local function ids(children)
              local out = {}
              for _, c in ipairs(children) do out[#out + 1] = c.id .. "=" .. (c.pid and "up" or "down") .. ":" .. c.restart end
              return table.concat(out, ",")
            end
            local function main(sup, step)
              if step == "list" then return ids(assert(supervisor.which_children(sup))) end
              if step == "count" then
                local c = assert(supervisor.count_children(sup))
                return string.format("%d/%d/%d/%d", c.specs, c.active, c.supervisors, c.workers)
              end
              if step == "add" then
                local pid = assert(supervisor.start_child(sup, { id = "extra", process = "app:a", restart = "temporary", shutdown = "1s" }))
                local again, err = supervisor.start_child(sup, { id = "extra", process = "app:a" })
                assert(again == nil and err:find("already exists"), err)
                local bad, err2 = supervisor.start_child(sup, { process = "app:a", restart = "sometimes" })
                assert(bad == nil and err2:find("permanent, transient or temporary"), err2)
                local none, err3 = supervisor.start_child(sup, { process = "app:nothing" })
                assert(none == nil and err3:find("unknown entry"), err3)
                return type(pid)
              end
              if step == "stop" then
                assert(supervisor.terminate_child(sup, "app:p"))
                local r, err = supervisor.delete_child(sup, "extra")
                assert(r == nil and err:find("running"), err)
                assert(supervisor.delete_child(sup, "app:t"))
                return "ok"
              end
              if step == "restart" then return type(assert(supervisor.restart_child(sup, "app:p"))) end
            end
            return { main = main }
            """);
        var (_, services) = await Start("""
            namespace: app
            entries:
              - name: svc
                kind: process.service
                process: app:types
                host: app:processes
              - name: types
                kind: process.supervisor
                host: app:processes
                intensity: 10
                period: 1m
                children:
                  - { process: app:p, restart: permanent, readiness: signal }
                  - { process: app:t, restart: transient, readiness: signal }
                  - { process: app:m, restart: temporary }
              - name: driver
                kind: process.lua
                source: file://driver.lua
                method: main
            """);
        Assert.Equal(["start p", "start t", "start m"], await _kit.Next(3));
        var sup = await ServiceProcess(services, "app:svc");
        async Task<string> Drive(string step)
        {
            var run = _runtime.Start("app:driver", Host, sup.ToString(), step);
            Assert.True(run.Ok, run.Error);
            var exit = await run.Value.Exit.WaitAsync(Guard);
            Assert.Null(exit.Error);
            return (string)exit.Result!;
        }
        Assert.Equal("app:p=up:permanent,app:t=up:transient,app:m=up:temporary", await Drive("list"));
        await Send("t", "crash"); // a transient child's crash restarts it...
        Assert.Equal("start t", await _kit.Next());
        foreach (var id in new[] { "p", "t", "m" }) await Send(id, "exit"); // ... a normal exit does not
        Assert.Equal("start p", await _kit.Next()); // permanent: restarted; transient: stays down; temporary: removed
        Assert.Equal("app:p=up:permanent,app:t=down:transient", await Drive("list"));
        Assert.Equal("string", await Drive("add"));
        Assert.Equal("start a", await _kit.Next());
        Assert.Equal("3/2/0/3", await Drive("count"));
        Assert.Equal("ok", await Drive("stop"));
        Assert.Equal("stop p", await _kit.Next());
        Assert.Equal("app:p=down:permanent,extra=up:temporary", await Drive("list"));
        Assert.Equal("string", await Drive("restart"));
        Assert.Equal("start p", await _kit.Next());
        Assert.False(_kit.TryNext(out var extra), "unexpected: " + extra);
    }

    [Fact]
    public async Task A_Lua_process_spawns_a_manifest_supervisor_and_its_failure_reaches_it_through_the_link()
    {
        File.WriteAllText(Path.Combine(_dir, "owner.lua"), """
            local function main()
              process.set_options({ trap_links = true })
              local sup = assert(process.spawn_linked("app:tree", "app:processes"))
              local events = process.events()
              while true do
                local e = events:receive()
                if e.kind == process.event.LINK_DOWN then return "link down: " .. tostring(e.from == sup) end
              end
            end
            return { main = main }
            """);
        File.WriteAllText(Path.Combine(_dir, "_index.yaml"), Tree("one_for_one", intensity: "0") + """

              - name: owner
                kind: process.lua
                source: file://owner.lua
                method: main
            """);
        var app = LuaApplication.Load(_dir);
        Assert.Empty(app.Errors);
        app.AddTo(_runtime);
        var owner = _runtime.Start("app:owner", Host);
        Assert.True(owner.Ok, owner.Error);
        Assert.Equal(["start a", "start b", "start c"], await _kit.Next(3));
        await Send("b", "crash"); // intensity 0: the supervisor gives up, and its spawner gets the link down
        var exit = await owner.Value.Exit.WaitAsync(Guard);
        Assert.Null(exit.Error);
        Assert.Equal("link down: true", exit.Result);
    }

    /// <summary>
    /// A crash storm on a manifest tree (a top supervisor over one sub-supervisor per strategy, three workers each):
    /// workers fail at random (seeded: crashes and terminations); a model counts restarts, and the tree must recover or
    /// escalate exactly when it says, leaving no process behind.
    /// </summary>
    [Theory]
    [InlineData(1, 2)]
    [InlineData(2, 1000)]
    public async Task A_crash_storm_on_a_manifest_tree_recovers_or_escalates_exactly_as_specified(int seed, int topIntensity)
    {
        const int subIntensity = 2;
        var strategies = new[] { "one_for_one", "one_for_all", "rest_for_one" };
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        var yaml = new System.Text.StringBuilder($"""
            namespace: app
            entries:
              - name: svc
                kind: process.service
                process: app:top
                host: app:processes
              - name: top
                kind: process.supervisor
                host: app:processes
                intensity: {topIntensity}
                period: 1h
                children:

            """);
        for (int i = 0; i < 3; i++) yaml.Append(inv, $"      - process: app:sub{i}\n");
        for (int i = 0; i < 3; i++)
        {
            yaml.Append(inv, $"  - name: sub{i}\n    kind: process.supervisor\n    host: app:processes\n    strategy: {strategies[i]}\n    intensity: {subIntensity}\n    period: 1h\n    children:\n");
            foreach (var w in new[] { "a", "b", "c" })
            {
                _runtime.Entries.Add($"app:w{i}{w}", _kit.Worker($"w{i}{w}"));
                yaml.Append(inv, $"      - process: app:w{i}{w}\n");
            }
        }
        // Started as a service: the start returns once the whole tree has started.
        var (_, services) = await Start(yaml.ToString());
        var top = await ServiceProcess(services, "app:svc");
        var topExit = _runtime.WaitForExitAsync(top);

        var random = new Random(seed);
        var subRestarts = new int[3];
        int topRestarts = 0;
        bool escalated = false;
        for (int step = 0; step < 60; step++)
        {
            var sub = (await Children(top))[random.Next(3)];
            int s = int.Parse(sub.Id.AsSpan("app:sub".Length), System.Globalization.CultureInfo.InvariantCulture);
            var workers = await Children(sub.Pid!);
            Assert.All(workers, w => Assert.NotNull(w.Pid)); // settled: everything runs
            var victim = workers[random.Next(workers.Count)].Pid!;
            var victimExit = _runtime.WaitForExitAsync(victim);
            var subExit = _runtime.WaitForExitAsync(sub.Pid!);
            if (random.Next(2) == 0) Assert.True(_runtime.Send(victim, "crash", null).Ok);
            else Assert.True(_runtime.Terminate(victim).Ok);
            Assert.NotNull((await victimExit.WaitAsync(Guard)).Error);
            if (++subRestarts[s] <= subIntensity) continue;
            Assert.Contains("reached its restart intensity", (await subExit.WaitAsync(Guard)).Error);
            subRestarts[s] = 0;
            if (++topRestarts <= topIntensity) continue;
            escalated = true;
            break;
        }
        if (escalated)
        {
            var exit = await topExit.WaitAsync(Guard);
            Assert.Contains($"reached its restart intensity ({topIntensity} restart(s)", exit.Error);
            Assert.Equal(1, _runtime.ProcessCount); // the service's supervisor, waiting to restart the tree
        }
        else
        {
            foreach (var sub in await Children(top))
                Assert.All(await Children(sub.Pid!), w => Assert.True(_runtime.IsAlive(w.Pid!)));
            Assert.Equal(1 + 1 + 3 + 9, _runtime.ProcessCount);
        }
        await services.StopAsync().WaitAsync(Guard);
        Assert.Equal(0, _runtime.ProcessCount);
        Assert.Equal(topIntensity < 1000, escalated);
    }

    [Theory]
    [InlineData(false, "module")]
    [InlineData(true, "mine")]
    public async Task Require_supervisor_gives_the_module_unless_the_app_has_a_library_of_that_name(bool ownLibrary, string expected)
    {
        var library = ownLibrary ? """

              - name: supervisor
                kind: library.lua
                source: "return { mine = true }"
            """ : "";
        File.WriteAllText(Path.Combine(_dir, "_index.yaml"), """
            namespace: app
            entries:
              - name: probe
                kind: process.lua
                source: |
                  return { main = function()
                    local s = require("supervisor")
                    if s.mine then return "mine" end
                    return type(s.start_child) == "function" and type(s.count_children) == "function" and "module" or "?"
                  end }
                method: main
                imports: [supervisor]
            """.Replace("    imports: [supervisor]\n", ownLibrary ? "    imports: [supervisor]\n" : "") + library);
        var app = LuaApplication.Load(_dir);
        Assert.Empty(app.Errors);
        app.AddTo(_runtime);
        var run = _runtime.Start("app:probe", Host);
        Assert.True(run.Ok, run.Error);
        var exit = await run.Value.Exit.WaitAsync(Guard);
        Assert.Null(exit.Error);
        Assert.Equal(expected, exit.Result);
    }

    [Fact]
    public void Manifest_supervisor_errors_name_their_line()
    {
        File.WriteAllText(Path.Combine(_dir, "_index.yaml"), """
            namespace: app
            entries:
              - name: loop1
                kind: process.supervisor
                host: app:processes
                children:
                  - process: app:loop2
              - name: loop2
                kind: process.supervisor
                host: app:processes
                children:
                  - process: app:loop1
              - name: bad
                kind: process.supervisor
                host: app:processes
                children:
                  - { process: app:a, name: "" , shutdown: soon }
            """);
        var app = LuaApplication.Load(_dir);
        Assert.Contains(app.Errors, e => e.EndsWith("_index.yaml:3: supervisor 'app:loop1' is its own descendant: app:loop1 -> app:loop2 -> app:loop1", StringComparison.Ordinal));
        Assert.Contains(app.Errors, e => e.Contains("_index.yaml:17: supervisor 'app:bad': child 'app:a': 'shutdown' must be brutal, infinity or a duration", StringComparison.Ordinal));
        Assert.Empty(app.Supervisors);
    }

    // Review of issue 12: the supervisor module with hostile arguments. Every one is an error to the caller; the
    // supervisor keeps running with its children. A start_timeout beyond what a timer takes (about 49 days) used to
    // crash the supervisor (and with it every child) while it started the child.
    [Fact]
    public async Task Hostile_start_child_arguments_from_Lua_are_errors_and_the_supervisor_keeps_its_children()
    {
        File.WriteAllText(Path.Combine(_dir, "hostile.lua"), """
            local supervisor = require("supervisor")
            local function main(sup)
              local out = {}
              local function try(child)
                local pid, err = supervisor.start_child(sup, child)
                out[#out + 1] = pid == nil and tostring(err) or "started " .. tostring(pid)
              end
              try({ id = "late", process = "app:b", start_timeout = "2000h" })
              try({ id = 42, process = "app:b" })
              try({ id = "", process = "app:b" })
              try({ process = {} })
              try({ process = "app:b", shutdown = 0 / 0 })
              try("not a table")
              try({ process = "app:b", bogus = true })
              try({ process = "app:b", start_timeout = -1 })
              local ok, err = supervisor.terminate_child(sup, {})
              out[#out + 1] = ok == nil and tostring(err) or "terminated"
              return table.concat(out, "\n")
            end
            return { main = main }
            """);
        var (_, services) = await Start("""
            namespace: app
            entries:
              - name: svc
                kind: process.service
                process: app:hub
                host: app:processes
              - name: hub
                kind: process.supervisor
                host: app:processes
                children:
                  - process: app:a
              - name: hostile
                kind: process.lua
                source: file://hostile.lua
                method: main
            """);
        Assert.Equal("start a", await _kit.Next());
        var hub = await ServiceProcess(services, "app:svc");
        var run = _runtime.Start("app:hostile", Host, hub.ToString());
        Assert.True(run.Ok, run.Error);
        var exit = await run.Value.Exit.WaitAsync(Guard);
        Assert.Null(exit.Error);
        var lines = ((string)exit.Result!).Split('\n');
        Assert.Equal(9, lines.Length);
        Assert.Contains("child 'late': the start timeout must be at most 4294967294ms", lines[0]);
        Assert.Contains("'id' must be a string", lines[1]);
        Assert.Contains("a child's id must be a non-empty string", lines[2]);
        Assert.Contains("a child needs 'process'", lines[3]);
        Assert.Contains("'shutdown' must be", lines[4]);
        Assert.Contains("the child specification must be a table", lines[5]);
        Assert.Contains("unknown child field 'bogus'", lines[6]);
        Assert.Contains("'start_timeout' must be a positive duration", lines[7]);
        Assert.Contains("the child id must be a non-empty string", lines[8]);
        var children = await Children(hub);
        var only = Assert.Single(children);
        Assert.Equal("app:a", only.Id);
        Assert.Equal(_kit.Pids["a"], only.Pid);
        Assert.False(_kit.TryNext(out var extra), "unexpected: " + extra);
    }

    // Review of issue 12: the supervisor module called on a process that answers its topic but is no supervisor. A
    // number as the answer raised "attempt to index a number value" in the caller, a string made start_child return
    // nil without an error.
    [Fact]
    public async Task The_supervisor_module_on_a_process_that_is_no_supervisor_returns_errors()
    {
        int answers = 0;
        _runtime.Entries.Add("app:fake", async ctx =>
        {
            var inbox = ctx.Inbox();
            while (true)
            {
                var m = await inbox.ReceiveAsync();
                m.Reply(++answers % 2 == 1 ? (object)42L : "not a table");
            }
        });
        File.WriteAllText(Path.Combine(_dir, "_index.yaml"), """
            namespace: app
            entries:
              - name: asker
                kind: process.lua
                source: |
                  local supervisor = require("supervisor")
                  return { main = function(fake)
                    local out = {}
                    local function note(v, err) out[#out + 1] = v == nil and tostring(err) or "value" end
                    note(supervisor.which_children(fake))
                    note(supervisor.start_child(fake, { process = "app:a" }))
                    note(supervisor.count_children(fake))
                    note(supervisor.terminate_child(fake, "x"))
                    return table.concat(out, "|")
                  end }
                method: main
            """);
        var app = LuaApplication.Load(_dir);
        Assert.Empty(app.Errors);
        app.AddTo(_runtime);
        var fake = _runtime.Spawn("app:fake", Host);
        Assert.True(fake.Ok, fake.Error);
        var run = _runtime.Start("app:asker", Host, fake.Value.ToString());
        Assert.True(run.Ok, run.Error);
        var exit = await run.Value.Exit.WaitAsync(Guard);
        Assert.Null(exit.Error);
        Assert.Equal("not a supervisor's answer (a number)|not a supervisor's answer (a string)|" +
                     "not a supervisor's answer (a number)|not a supervisor's answer (a string)", exit.Result);
    }
}
