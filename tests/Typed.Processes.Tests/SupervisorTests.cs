namespace Typed.Processes.Tests;

public sealed class SupervisorTests : RuntimeTest
{
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);
    private readonly SupervisorKit _kit = new();

    private ChildSpec Child(string id, RestartType restart = RestartType.Permanent, bool ignoreCancel = false, string? name = null)
    {
        var entry = $"test:{id}{Guid.NewGuid():N}"[..20];
        Runtime.Entries.Add(entry, _kit.Worker(id, ignoreCancel, name));
        return new ChildSpec(id, entry, Host) { Restart = restart, Name = name };
    }

    private async Task<RunningProcess> Start(SupervisorSpec spec)
    {
        var started = await Runtime.StartSupervisorAsync(spec, Host).WaitAsync(Guard);
        Assert.True(started.Ok, started.Error);
        return started.Value;
    }

    private async Task<ProcessEvent> Send(string id, string topic)
    {
        var pid = _kit.Pids[id];
        var exit = Runtime.WaitForExitAsync(pid);
        Assert.True(Runtime.Send(pid, topic, null).Ok);
        return await exit.WaitAsync(Guard);
    }

    private async Task<IReadOnlyList<ChildInfo>> Children(Pid supervisor)
    {
        var children = await Runtime.Supervisor(supervisor).WhichChildrenAsync().AsTask().WaitAsync(Guard);
        Assert.True(children.Ok, children.Error);
        return children.Value;
    }

    /// <summary>The next records are the starts of <paramref name="ids"/>, in this order: a child is started once its
    /// main's first run has ended, and the kit's workers record their start before they first wait.</summary>
    private async Task ExpectStarts(params string[] ids)
    {
        Assert.Equal(ids.Select(id => "start " + id), await _kit.Next(ids.Length));
        for (int i = 1; i < ids.Length; i++) Assert.True(_kit.Pids[ids[i - 1]].Id < _kit.Pids[ids[i]].Id, $"{ids[i - 1]} spawned after {ids[i]}");
    }

    private void AssertNoMoreRecords()
    {
        Assert.False(_kit.TryNext(out var extra), "unexpected: " + extra);
    }

    [Fact]
    public async Task Children_start_in_order_and_stop_in_reverse_order_when_the_supervisor_is_cancelled()
    {
        var sup = await Start(new SupervisorSpec { Children = [Child("a"), Child("b"), Child("c")] });
        await ExpectStarts("a", "b", "c");
        Assert.Equal(["a", "b", "c"], (await Children(sup.Pid)).Select(c => c.Id));
        Assert.True(Runtime.Cancel(sup.Pid).Ok);
        Assert.Equal(["stop c", "stop b", "stop a"], await _kit.Next(3));
        var exit = await sup.Exit.WaitAsync(Guard);
        Assert.Null(exit.Error);
        Assert.Equal(0, Runtime.ProcessCount);
    }

    [Fact]
    public async Task The_runtime_shutdown_stops_supervised_children_in_reverse_order()
    {
        await Start(new SupervisorSpec { Children = [Child("a"), Child("b"), Child("c")] });
        await ExpectStarts("a", "b", "c");
        var report = await Runtime.ShutdownAsync(TimeSpan.FromSeconds(30)).WaitAsync(Guard);
        Assert.Equal(4, report.Running.Count);
        Assert.Equal(["stop c", "stop b", "stop a"], await _kit.Next(3));
        Assert.Equal(0, Runtime.ProcessCount);
    }

    [Fact]
    public async Task One_for_one_restarts_only_the_failed_child()
    {
        var sup = await Start(new SupervisorSpec { MaxRestarts = 10, Period = Hour, Children = [Child("a"), Child("b"), Child("c")] });
        await _kit.Next(3);
        var before = await Children(sup.Pid);
        var exit = await Send("b", "crash");
        Assert.Contains("crash of b", exit.Error);
        Assert.Equal("start b", await _kit.Next());
        var after = await Children(sup.Pid);
        Assert.Equal(before[0].Pid, after[0].Pid);
        Assert.NotEqual(before[1].Pid, after[1].Pid);
        Assert.Equal(_kit.Pids["b"], after[1].Pid);
        Assert.Equal(before[2].Pid, after[2].Pid);
        AssertNoMoreRecords();
    }

    [Fact]
    public async Task One_for_all_stops_the_others_in_reverse_order_and_restarts_all_in_order()
    {
        var sup = await Start(new SupervisorSpec
        {
            Strategy = RestartStrategy.OneForAll, MaxRestarts = 10, Period = Hour, Children = [Child("a"), Child("b"), Child("c")],
        });
        await _kit.Next(3);
        await Send("b", "crash");
        Assert.Equal(["stop c", "stop a"], await _kit.Next(2));
        await ExpectStarts("a", "b", "c");
        Assert.All(await Children(sup.Pid), c => Assert.Equal(_kit.Pids[c.Id], c.Pid));
        AssertNoMoreRecords();
    }

    [Fact]
    public async Task Rest_for_one_restarts_the_failed_child_and_those_started_after_it()
    {
        var sup = await Start(new SupervisorSpec
        {
            Strategy = RestartStrategy.RestForOne, MaxRestarts = 10, Period = Hour, Children = [Child("a"), Child("b"), Child("c"), Child("d")],
        });
        await _kit.Next(4);
        var a = _kit.Pids["a"];
        await Send("b", "crash");
        Assert.Equal(["stop d", "stop c"], await _kit.Next(2));
        await ExpectStarts("b", "c", "d");
        Assert.Equal(a, (await Children(sup.Pid))[0].Pid);
        AssertNoMoreRecords();
    }

    [Fact]
    public async Task Permanent_children_restart_even_after_a_normal_exit()
    {
        var sup = await Start(new SupervisorSpec { MaxRestarts = 10, Period = Hour, Children = [Child("p")] });
        await _kit.Next();
        Assert.Null((await Send("p", "exit")).Error);
        Assert.Equal("start p", await _kit.Next());
        Assert.Equal(_kit.Pids["p"], (await Children(sup.Pid))[0].Pid);
    }

    [Fact]
    public async Task Transient_children_restart_after_an_error_only()
    {
        var sup = await Start(new SupervisorSpec { MaxRestarts = 10, Period = Hour, Children = [Child("t", RestartType.Transient)] });
        await _kit.Next();
        await Send("t", "fail"); // an error exit without an exception
        Assert.Equal("start t", await _kit.Next());
        await Send("t", "exit");
        var children = await Children(sup.Pid);
        var t = Assert.Single(children);
        Assert.Null(t.Pid);
        Assert.False(t.RestartPending);
        AssertNoMoreRecords();
    }

    [Fact]
    public async Task Temporary_children_are_never_restarted_and_leave_the_list()
    {
        var sup = await Start(new SupervisorSpec { MaxRestarts = 10, Period = Hour, Children = [Child("a"), Child("tmp", RestartType.Temporary)] });
        await _kit.Next(2);
        await Send("tmp", "crash");
        Assert.Equal(["a"], (await Children(sup.Pid)).Select(c => c.Id));
        AssertNoMoreRecords();
    }

    [Fact]
    public async Task A_termination_by_an_operator_is_a_failure_as_in_OTP()
    {
        var sup = await Start(new SupervisorSpec { MaxRestarts = 10, Period = Hour, Children = [Child("t", RestartType.Transient)] });
        await _kit.Next();
        var old = _kit.Pids["t"];
        Assert.True(Runtime.Terminate(old).Ok);
        Assert.Equal("start t", await _kit.Next());
        Assert.NotEqual(old, (await Children(sup.Pid))[0].Pid);
    }

    [Fact]
    public async Task With_TerminationIsFinal_a_termination_by_an_operator_or_a_process_is_final_and_an_error_still_restarts()
    {
        var t = Child("t", RestartType.Permanent) with { TerminationIsFinal = true };
        var sup = await Start(new SupervisorSpec { MaxRestarts = 10, Period = Hour, Children = [t] });
        await _kit.Next();
        await Send("t", "crash");
        Assert.Equal("start t", await _kit.Next());
        var exit = Runtime.WaitForExitAsync(_kit.Pids["t"]);
        Assert.True(Runtime.Terminate(_kit.Pids["t"]).Ok);
        Assert.StartsWith("terminated", (await exit.WaitAsync(Guard)).Error);
        var child = Assert.Single(await Children(sup.Pid));
        Assert.Null(child.Pid);
        Assert.False(child.RestartPending);
        AssertNoMoreRecords();
    }

    [Fact]
    public async Task Too_many_restarts_escalate_through_a_two_level_tree()
    {
        var inner = new SupervisorSpec { Name = "inner", MaxRestarts = 1, Period = Hour, Children = [Child("w")] };
        var top = await Start(new SupervisorSpec { MaxRestarts = 1, Period = Hour, Children = [ChildSpec.Supervisor("inner", inner, Host)] });
        Assert.Equal("start w", await _kit.Next());
        var inner1 = Runtime.Registry.Lookup("inner").Value;
        await Send("w", "crash");                    // inner: restart 1 of 1
        Assert.Equal("start w", await _kit.Next());
        var innerExit = Runtime.WaitForExitAsync(inner1);
        await Send("w", "crash");                    // inner gives up; top restarts it (restart 1 of 1)
        var failed = await innerExit.WaitAsync(Guard);
        Assert.Contains("reached its restart intensity", failed.Error);
        Assert.Equal("start w", await _kit.Next());
        var inner2 = Runtime.Registry.Lookup("inner").Value;
        Assert.NotEqual(inner1, inner2);
        Assert.Equal(inner2, (await Children(top.Pid))[0].Pid);
        await Send("w", "crash");
        Assert.Equal("start w", await _kit.Next());
        await Send("w", "crash");                    // inner gives up again: top's second restart is one too many
        var topExit = await top.Exit.WaitAsync(Guard);
        Assert.Contains("reached its restart intensity", topExit.Error);
        Assert.Contains("child 'inner'", topExit.Error);
        Assert.Equal(0, Runtime.ProcessCount);
    }

    [Fact]
    public async Task A_child_that_cannot_start_fails_the_supervisor_and_the_started_ones_stop_in_reverse_order()
    {
        var bad = new ChildSpec("bad", "test:no_such_entry", Host);
        var started = await Runtime.StartSupervisorAsync(new SupervisorSpec { Children = [Child("a"), Child("b"), bad, Child("c")] }, Host).WaitAsync(Guard);
        Assert.False(started.Ok);
        Assert.Contains("could not start child 'bad'", started.Error);
        Assert.Contains("unknown entry 'test:no_such_entry'", started.Error);
        Assert.Equal(["start a", "start b", "stop b", "stop a"], await _kit.Next(4));
        Assert.True(_kit.Pids["a"].Id < _kit.Pids["b"].Id);
        AssertNoMoreRecords();
        Assert.Equal(0, Runtime.ProcessCount);
    }

    [Fact]
    public async Task The_next_child_is_spawned_only_once_the_previous_ones_first_run_has_ended()
    {
        // a's first run blocks its worker (the host has two) for up to a second, watching for b's spawn: b must not
        // come before a's first run ends, as an OTP child's init/1 returns before the next child starts.
        Runtime.Entries.Add("test:slow_first_run", (ProcessMain)(async ctx =>
        {
            var alone = !SpinWait.SpinUntil(() => Runtime.SpawnedCount > 2, TimeSpan.FromSeconds(1));
            _kit.Record(alone ? "a began alone" : "b was spawned during a's first run");
            await ctx.Inbox().ReceiveAsync();
            return null;
        }));
        var sup = await Start(new SupervisorSpec { Children = [new ChildSpec("a", "test:slow_first_run", Host) { Shutdown = ChildShutdown.Brutal }, Child("b")] });
        Assert.Equal(["a began alone", "start b"], await _kit.Next(2));
        Assert.True(Runtime.Cancel(sup.Pid).Ok);
        Assert.Null((await sup.Exit.WaitAsync(Guard)).Error);
    }

    [Fact]
    public async Task An_invalid_specification_starts_nothing()
    {
        var dup = await Runtime.StartSupervisorAsync(new SupervisorSpec { Children = [Child("a"), Child("a")] }, Host);
        Assert.Equal("duplicate child id 'a'", dup.Error);
        var period = await Runtime.StartSupervisorAsync(new SupervisorSpec { Period = TimeSpan.Zero }, Host);
        Assert.Equal("the period must be positive", period.Error);
        Assert.Equal(0, Runtime.SpawnedCount);
    }

    [Fact]
    public async Task A_registered_name_follows_the_child_across_restarts()
    {
        var sup = await Start(new SupervisorSpec { MaxRestarts = 10, Period = Hour, Children = [Child("n", name: "svc")] });
        await _kit.Next();
        var first = _kit.Pids["n"];
        Assert.Equal(first, Runtime.Registry.Lookup("svc").Value);
        var exit = Runtime.WaitForExitAsync(first);
        Assert.True(Runtime.Send("svc", "crash", null).Ok);
        await exit.WaitAsync(Guard);
        Assert.Equal("start n", await _kit.Next());
        var second = _kit.Pids["n"];
        Assert.NotEqual(first, second);
        Assert.Equal(second, Runtime.Registry.Lookup("svc").Value);
        Assert.Equal([true, true], _kit.NameSeenAtStart); // registered before the child first ran, every time
    }

    [Fact]
    public async Task A_name_held_by_another_process_fails_the_start()
    {
        Assert.True(Runtime.Registry.Register("taken", (await Start(new SupervisorSpec())).Pid).Ok);
        var started = await Runtime.StartSupervisorAsync(new SupervisorSpec { Children = [Child("n", name: "taken")] }, Host).WaitAsync(Guard);
        Assert.False(started.Ok);
        Assert.Contains("name already registered: 'taken'", started.Error);
        AssertNoMoreRecords();
    }

    [Fact]
    public async Task Dynamic_children_start_terminate_restart_and_delete()
    {
        var sup = await Start(new SupervisorSpec { MaxRestarts = 10, Period = Hour, Children = [Child("a")] });
        await _kit.Next();
        var client = Runtime.Supervisor(sup.Pid);
        var d = await client.StartChildAsync(Child("d"));
        Assert.True(d.Ok, d.Error);
        Assert.Equal("start d", await _kit.Next());
        Assert.Equal(d.Value, _kit.Pids["d"]);
        Assert.Equal(["a", "d"], (await Children(sup.Pid)).Select(c => c.Id));
        var again = await client.StartChildAsync(Child("d"));
        Assert.Equal($"child 'd' already exists and runs as {d.Value}", again.Error);

        Assert.Equal($"child 'd' is running as {d.Value}: terminate it first", (await client.DeleteChildAsync("d")).Error);
        Assert.True((await client.TerminateChildAsync("d")).Ok);
        Assert.Equal("stop d", await _kit.Next());
        Assert.False(Runtime.IsAlive(d.Value));
        Assert.Null((await Children(sup.Pid))[1].Pid); // kept, stopped, not restarted

        var restarted = await client.RestartChildAsync("d");
        Assert.True(restarted.Ok, restarted.Error);
        Assert.Equal("start d", await _kit.Next());
        Assert.NotEqual(d.Value, restarted.Value);
        Assert.True((await client.TerminateChildAsync("d")).Ok);
        Assert.Equal("stop d", await _kit.Next());
        Assert.True((await client.DeleteChildAsync("d")).Ok);
        Assert.Equal(["a"], (await Children(sup.Pid)).Select(c => c.Id));
        Assert.Equal("no child 'd'", (await client.TerminateChildAsync("d")).Error);
        Assert.Equal("no child 'x'", (await client.RestartChildAsync("x")).Error);
        var unknown = await client.StartChildAsync(new ChildSpec("u", "test:no_such_entry", Host));
        Assert.Contains("child 'u' could not start: unknown entry", unknown.Error);
        Assert.Equal(["a"], (await Children(sup.Pid)).Select(c => c.Id));
        AssertNoMoreRecords();
    }

    [Fact]
    public async Task A_process_starts_a_linked_supervisor_and_its_failure_stops_the_supervisor()
    {
        var child = Child("a");
        var go = new TaskCompletionSource();
        Pid? supervisor = null;
        var owner = Runtime.Start(Entry(async ctx =>
        {
            var started = await ctx.StartSupervisorAsync(new SupervisorSpec { Children = [child] }, Host);
            supervisor = started.Value;
            var which = await ctx.Supervisor(started.Value).WhichChildrenAsync();
            Assert.Equal("a", Assert.Single(which.Value).Id);
            go.SetResult();
            await ctx.Inbox().ReceiveAsync();
            throw new InvalidOperationException("owner fails");
        }), Host).Value;
        await go.Task.WaitAsync(Guard);
        Assert.Equal("start a", await _kit.Next());
        var supExit = Runtime.WaitForExitAsync(supervisor!);
        Runtime.Send(owner.Pid, "go", null);
        var exit = await supExit.WaitAsync(Guard);
        Assert.Equal("stop a", await _kit.Next());
        Assert.Contains("link down", exit.Error);
        Assert.Equal(0, Runtime.ProcessCount);
    }

    [Fact]
    public async Task A_linked_start_that_fails_returns_the_error_and_does_not_kill_the_caller()
    {
        var bad = new ChildSpec("bad", "test:no_such_entry", Host);
        var result = await RunOk(async ctx =>
        {
            var started = await ctx.StartSupervisorAsync(new SupervisorSpec { Children = [Child("a"), bad] }, Host);
            return started.Error;
        });
        Assert.Contains("could not start child 'bad'", (string?)result);
        Assert.Equal(0, Runtime.ProcessCount);
    }

    [Fact]
    public async Task A_nested_supervisor_that_cannot_start_fails_its_parent_start()
    {
        var inner = new SupervisorSpec { Children = [Child("x"), new ChildSpec("bad", "test:no_such_entry", Host)] };
        var started = await Runtime.StartSupervisorAsync(new SupervisorSpec { Children = [Child("a"), ChildSpec.Supervisor("inner", inner, Host), Child("c")] }, Host).WaitAsync(Guard);
        Assert.False(started.Ok);
        Assert.Contains("could not start child 'inner'", started.Error);
        Assert.Contains("could not start child 'bad'", started.Error);
        Assert.Equal(0, Runtime.ProcessCount);
        Assert.False(_kit.Starts.ContainsKey("c"));
    }

    // Review of issue 12: a start timeout beyond what a timer takes (about 49 days) made the supervisor throw
    // (CancellationTokenSource's ArgumentOutOfRangeException) while starting the child: a start_child with one crashed a
    // running supervisor and every child it had.
    [Fact]
    public async Task A_start_timeout_longer_than_a_timer_takes_is_an_error_and_does_not_crash_the_supervisor()
    {
        var sup = await Start(new SupervisorSpec { Children = [Child("a")] });
        await ExpectStarts("a");
        var late = Child("b") with { StartTimeout = TimeSpan.FromDays(60) };
        var started = await Runtime.Supervisor(sup.Pid).StartChildAsync(late).AsTask().WaitAsync(Guard);
        Assert.False(started.Ok);
        Assert.Contains("child 'b': the start timeout must be at most 4294967294ms", started.Error);
        Assert.False(sup.Exit.IsCompleted);
        Assert.Equal(["a"], (await Children(sup.Pid)).Select(c => c.Id));
        var direct = await Runtime.StartSupervisorAsync(new SupervisorSpec { Children = [late] }, Host).WaitAsync(Guard);
        Assert.False(direct.Ok);
        Assert.Contains("the start timeout must be at most 4294967294ms", direct.Error);
        var longest = Child("c") with { StartTimeout = ChildSpec.MaxStartTimeout };
        Assert.True((await Runtime.Supervisor(sup.Pid).StartChildAsync(longest).AsTask().WaitAsync(Guard)).Ok);
        await ExpectStarts("c");
        AssertNoMoreRecords();
    }

    // Review of issue 12: a restart delay past what a timer takes overflowed the due time (now + delay) and crashed the
    // supervisor at the child's first failure; it is refused when the supervisor starts.
    [Fact]
    public async Task A_backoff_longer_than_a_timer_takes_is_refused_at_start()
    {
        var huge = TimeSpan.FromDays(3_650_000);
        var started = await Runtime.StartSupervisorAsync(new SupervisorSpec
        {
            Children = [Child("a")],
            Backoff = new RestartBackoff { InitialDelay = huge, MaxDelay = huge },
        }, Host).WaitAsync(Guard);
        Assert.False(started.Ok);
        Assert.Contains("backoff: the max delay must be at most 4294967294ms", started.Error);
        AssertNoMoreRecords();
    }

    // Review of issue 12: a supervisor entry that is its own descendant (here directly, and through a second entry)
    // started copies of itself without end (each one waiting for its child), until the host ran out of memory. Lua
    // manifests check their own cycles at load; entries registered in C# and cycles across applications did not.
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_supervisor_entry_that_is_its_own_descendant_fails_to_start_instead_of_spawning_without_end(bool throughAnother)
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        string self = $"test:loop{id}", other = $"test:other{id}";
        Runtime.Entries.Add(new SupervisorEntry(self, new SupervisorSpec { Children = [new ChildSpec("down", throughAnother ? other : self, Host)] }));
        Runtime.Entries.Add(new SupervisorEntry(other, new SupervisorSpec { Children = [new ChildSpec("up", self, Host)] }));
        var run = Runtime.Start(self, Host);
        Assert.True(run.Ok, run.Error);
        var exit = await run.Value.Exit.WaitAsync(Guard);
        Assert.NotNull(exit.Error);
        Assert.Contains($"supervisor '{self}' would be its own descendant", exit.Error);
        Assert.Equal(0, Runtime.ProcessCount);
    }

    // The same entry may still be started under a supervisor of that entry that has started: what it starts is finite.
    [Fact]
    public async Task A_started_supervisor_may_start_a_child_of_its_own_entry()
    {
        var reference = $"test:sup{Guid.NewGuid():N}"[..20];
        Runtime.Entries.Add(new SupervisorEntry(reference, new SupervisorSpec { Children = [Child("a")] }));
        var run = Runtime.Start(reference, Host);
        Assert.True(run.Ok, run.Error);
        await ExpectStarts("a");
        var nested = await Runtime.Supervisor(run.Value.Pid).StartChildAsync(new ChildSpec("copy", reference, Host)).AsTask().WaitAsync(Guard);
        Assert.True(nested.Ok, nested.Error);
        await ExpectStarts("a");
        Assert.Equal(["a", "copy"], (await Children(run.Value.Pid)).Select(c => c.Id));
    }
}
