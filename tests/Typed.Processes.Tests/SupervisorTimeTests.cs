namespace Typed.Processes.Tests;

/// <summary>Supervisor behaviour in time (backoff, shutdown deadlines), on a clock moved by hand.</summary>
public sealed class SupervisorTimeTests : IAsyncLifetime
{
    private const string Host = "app:processes";
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);
    private readonly ManualTime _time = new();
    private readonly ProcessRuntime _runtime;
    private readonly SupervisorKit _kit = new();

    public SupervisorTimeTests()
    {
        _runtime = new ProcessRuntime(new ProcessRuntimeOptions { TimeProvider = _time });
        _runtime.Hosts.Add(Host, workers: 2);
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await _runtime.DisposeAsync();

    private ChildSpec Child(string id, bool ignoreCancel = false)
    {
        var entry = $"test:{id}{Guid.NewGuid():N}"[..20];
        _runtime.Entries.Add(entry, _kit.Worker(id, ignoreCancel));
        return new ChildSpec(id, entry, Host);
    }

    private async Task<RunningProcess> Start(SupervisorSpec spec)
    {
        var started = await _runtime.StartSupervisorAsync(spec, Host).WaitAsync(Guard);
        Assert.True(started.Ok, started.Error);
        return started.Value;
    }

    private async Task Crash(string id)
    {
        var pid = _kit.Pids[id];
        var exit = _runtime.WaitForExitAsync(pid);
        Assert.True(_runtime.Send(pid, "crash", null).Ok);
        await exit.WaitAsync(Guard);
    }

    /// <summary>The child's state as the supervisor sees it, once it has handled what came before this call.</summary>
    private async Task<ChildInfo> Info(Pid supervisor, string id)
    {
        var children = await _runtime.Supervisor(supervisor).WhichChildrenAsync().AsTask().WaitAsync(Guard);
        Assert.True(children.Ok, children.Error);
        return children.Value.Single(c => c.Id == id);
    }

    /// <summary>Crashes the child, then checks that its restart waits exactly <paramref name="delay"/>.</summary>
    private async Task ExpectRestartAfter(Pid supervisor, string id, TimeSpan delay)
    {
        await Crash(id);
        var waiting = await Info(supervisor, id);
        Assert.True(waiting.RestartPending);
        Assert.Null(waiting.Pid);
        _time.Advance(delay - TimeSpan.FromMilliseconds(1));
        Assert.True((await Info(supervisor, id)).RestartPending, $"restarted before {delay}");
        Assert.False(_kit.TryNext(out var early), "unexpected: " + early);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal("start " + id, await _kit.Next());
    }

    [Fact]
    public async Task Restarts_back_off_exponentially_up_to_the_max_delay_on_the_runtime_clock()
    {
        var sup = await Start(new SupervisorSpec
        {
            MaxRestarts = 100, Period = Hour, Children = [Child("w")],
            Backoff = new RestartBackoff { InitialDelay = TimeSpan.FromSeconds(1), Factor = 2, MaxDelay = TimeSpan.FromSeconds(5), StableAfter = Hour },
        });
        await _kit.Next();
        await ExpectRestartAfter(sup.Pid, "w", TimeSpan.FromSeconds(1));
        await ExpectRestartAfter(sup.Pid, "w", TimeSpan.FromSeconds(2));
        await ExpectRestartAfter(sup.Pid, "w", TimeSpan.FromSeconds(4));
        await ExpectRestartAfter(sup.Pid, "w", TimeSpan.FromSeconds(5));
        await ExpectRestartAfter(sup.Pid, "w", TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_child_that_ran_long_enough_starts_again_from_the_initial_delay()
    {
        var sup = await Start(new SupervisorSpec
        {
            MaxRestarts = 100, Period = Hour, Children = [Child("w")],
            Backoff = new RestartBackoff { InitialDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(60), StableAfter = TimeSpan.FromSeconds(30) },
        });
        await _kit.Next();
        await ExpectRestartAfter(sup.Pid, "w", TimeSpan.FromSeconds(1));
        await ExpectRestartAfter(sup.Pid, "w", TimeSpan.FromSeconds(2));
        _time.Advance(TimeSpan.FromSeconds(30)); // stable now
        await ExpectRestartAfter(sup.Pid, "w", TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task Jitter_keeps_the_delay_within_its_bounds()
    {
        var sup = await Start(new SupervisorSpec
        {
            MaxRestarts = 100, Period = Hour, Children = [Child("w")],
            Backoff = new RestartBackoff { InitialDelay = TimeSpan.FromSeconds(10), Jitter = 0.5 },
        });
        await _kit.Next();
        await Crash("w");
        Assert.True((await Info(sup.Pid, "w")).RestartPending); // the supervisor has taken the exit: the delay runs
        _time.Advance(TimeSpan.FromSeconds(5) - TimeSpan.FromMilliseconds(1));
        Assert.True((await Info(sup.Pid, "w")).RestartPending);
        _time.Advance(TimeSpan.FromSeconds(10) + TimeSpan.FromMilliseconds(2));
        Assert.Equal("start w", await _kit.Next());
    }

    [Fact]
    public async Task The_supervisor_answers_calls_and_stops_while_a_restart_waits()
    {
        var sup = await Start(new SupervisorSpec
        {
            MaxRestarts = 100, Period = Hour, Children = [Child("a"), Child("w")],
            Backoff = new RestartBackoff { InitialDelay = TimeSpan.FromSeconds(10) },
        });
        await _kit.Next(2);
        await Crash("w");
        Assert.Equal(_kit.Pids["a"], (await Info(sup.Pid, "a")).Pid);
        Assert.True(_runtime.Cancel(sup.Pid).Ok);
        Assert.Equal("stop a", await _kit.Next());
        Assert.Null((await sup.Exit.WaitAsync(Guard)).Error);
        Assert.Equal(0, _runtime.ProcessCount);
    }

    [Fact]
    public async Task A_child_that_ignores_its_cancel_is_terminated_at_its_shutdown_deadline()
    {
        var sup = await Start(new SupervisorSpec
        {
            Children = [Child("a"), Child("slow", ignoreCancel: true) with { Shutdown = ChildShutdown.After(TimeSpan.FromSeconds(2)) }],
        });
        await _kit.Next(2);
        var slow = _runtime.WaitForExitAsync(_kit.Pids["slow"]);
        Assert.True(_runtime.Cancel(sup.Pid).Ok);
        Assert.Equal("cancelled slow", await _kit.Next());
        _time.Advance(TimeSpan.FromMilliseconds(1999));
        Assert.False(slow.IsCompleted);
        Assert.False(_kit.TryNext(out var early), "unexpected: " + early); // a waits for slow: reverse order
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Contains("deadline of 2000ms exceeded", (await slow.WaitAsync(Guard)).Error);
        Assert.Equal("stop a", await _kit.Next());
        Assert.Null((await sup.Exit.WaitAsync(Guard)).Error);
    }

    [Fact]
    public async Task A_brutal_shutdown_terminates_the_child_without_a_cancel()
    {
        var sup = await Start(new SupervisorSpec { Children = [Child("b") with { Shutdown = ChildShutdown.Brutal }] });
        await _kit.Next();
        var b = _runtime.WaitForExitAsync(_kit.Pids["b"]);
        Assert.True(_runtime.Cancel(sup.Pid).Ok);
        Assert.Contains("terminated by " + sup.Pid, (await b.WaitAsync(Guard)).Error);
        Assert.Null((await sup.Exit.WaitAsync(Guard)).Error);
        Assert.False(_kit.TryNext(out var record), "unexpected: " + record);
    }

    [Fact]
    public async Task Restarts_older_than_the_period_no_longer_count()
    {
        var sup = await Start(new SupervisorSpec { MaxRestarts = 1, Period = TimeSpan.FromSeconds(10), Children = [Child("w")] });
        await _kit.Next();
        await Crash("w");
        Assert.Equal("start w", await _kit.Next());
        _time.Advance(TimeSpan.FromSeconds(10));
        await Crash("w"); // the first restart left the window: this one is again 1 of 1
        Assert.Equal("start w", await _kit.Next());
        await Crash("w"); // 2 within 10 s: one too many
        Assert.Contains("reached its restart intensity (1 restart(s) in 10000ms)", (await sup.Exit.WaitAsync(Guard)).Error);
    }

    [Fact]
    public async Task Terminating_a_child_that_waits_for_its_restart_cancels_the_restart()
    {
        var sup = await Start(new SupervisorSpec
        {
            MaxRestarts = 100, Period = Hour, Children = [Child("w")],
            Backoff = new RestartBackoff { InitialDelay = TimeSpan.FromSeconds(10) },
        });
        await _kit.Next();
        await Crash("w");
        Assert.True((await Info(sup.Pid, "w")).RestartPending);
        var client = _runtime.Supervisor(sup.Pid);
        Assert.True((await client.TerminateChildAsync("w")).Ok);
        var stopped = await Info(sup.Pid, "w");
        Assert.False(stopped.RestartPending);
        Assert.Null(stopped.Pid);
        _time.Advance(TimeSpan.FromSeconds(20));
        Assert.Null((await Info(sup.Pid, "w")).Pid);
        Assert.False(_kit.TryNext(out var record), "unexpected: " + record);
        var restarted = await client.RestartChildAsync("w");
        Assert.True(restarted.Ok, restarted.Error);
        Assert.Equal("start w", await _kit.Next());
    }
}
