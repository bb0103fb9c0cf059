namespace Typed.Processes.Tests;

public class MonitorLinkTests : RuntimeTest
{
    private string Waits() => Entry(async ctx => await ctx.Listen("go").ReceiveAsync(), "waits" + Guid.NewGuid().ToString("N")[..6]);

    private string Fails() => Entry(async ctx =>
    {
        var reason = await ctx.Listen<string>("fail").ReceiveAsync();
        throw new ProcessException(reason);
    }, "fails" + Guid.NewGuid().ToString("N")[..6]);

    [Fact]
    public async Task SpawnMonitored_delivers_exactly_one_exit_with_the_result()
    {
        var worker = Entry(ctx => ValueTask.FromResult<object?>(ctx.Arg<int>(0) * 2));
        var result = await RunOk(async ctx =>
        {
            var events = ctx.Events();
            var pid = ctx.SpawnMonitored(worker, Host, 21).Value;
            var e = await events.ReceiveAsync();
            var extra = await ctx.Select(events.CaseReceive(), ctx.After(TimeSpan.FromMilliseconds(200)).CaseReceive());
            return $"{e.Kind}|{e.From == pid}|{e.Result}|{e.Error}|{extra.Channel == events}";
        });
        Assert.Equal("Exit|True|42||False", result);
    }

    [Fact]
    public async Task Monitor_reports_error_exits()
    {
        var fails = Fails();
        var result = await RunOk(async ctx =>
        {
            var pid = ctx.Spawn(fails, Host).Value;
            ctx.Monitor(pid).ThrowIfFailed();
            ctx.Send(pid, "fail", "bad input").ThrowIfFailed();
            var e = await ctx.Events().ReceiveAsync();
            return $"{e.Kind}|{e.Error}|{e.Result}";
        });
        Assert.Equal("Exit|bad input|", result);
    }

    [Fact]
    public async Task Monitoring_a_finished_process_delivers_exit_at_once()
    {
        var quick = Entry(_ => ValueTask.FromResult<object?>(1));
        var pid = Runtime.Spawn(quick, Host).Value;
        await Runtime.WaitForExitAsync(pid).WaitAsync(Guard);
        var result = await RunOk(async ctx =>
        {
            ctx.Monitor(pid).ThrowIfFailed();
            var e = await ctx.Events().ReceiveAsync();
            return $"{e.Kind}|{e.From == pid}|{e.Error}";
        });
        Assert.Equal($"Exit|True|noproc: process {pid} is not alive", result);
    }

    [Fact]
    public async Task No_exit_event_after_unmonitor_returns_even_if_it_was_already_queued()
    {
        var quick = Entry(_ => ValueTask.FromResult<object?>(1));
        var result = await RunOk(async ctx =>
        {
            var pid = ctx.Spawn(quick, Host).Value;
            ctx.Monitor(pid).ThrowIfFailed();
            // Wait (without consuming our events) until it has ended, so its Exit is queued for us.
            await ctx.Runtime.WaitForExitAsync(pid);
            var queuedBefore = ctx.Events().Count;
            ctx.Unmonitor(pid).ThrowIfFailed();
            return $"{queuedBefore}|{ctx.Events().Count}";
        });
        Assert.Equal("1|0", result);
    }

    [Fact]
    public async Task Unmonitor_before_exit_means_no_event()
    {
        var waits = Waits();
        var result = await RunOk(async ctx =>
        {
            var pid = ctx.Spawn(waits, Host).Value;
            ctx.Monitor(pid).ThrowIfFailed();
            ctx.Unmonitor(pid).ThrowIfFailed();
            ctx.Send(pid, "go", 1).ThrowIfFailed();
            await ctx.Runtime.WaitForExitAsync(pid);
            // A second monitored process proves events still flow, and that it is the only one.
            var other = ctx.SpawnMonitored(waits, Host).Value;
            ctx.Send(other, "go", 1).ThrowIfFailed();
            var e = await ctx.Events().ReceiveAsync();
            return (e.From == other) + "|" + ctx.Events().Count;
        });
        Assert.Equal("True|0", result);
    }

    [Fact]
    public async Task Linked_failure_terminates_partner_naming_the_cause()
    {
        var fails = Fails();
        var failer = Runtime.Spawn(fails, Host).Value;
        var linked = new TaskCompletionSource();
        var partner = Runtime.Spawn(Entry(async ctx =>
        {
            ctx.Link(ctx.Arg<Pid>(0)).ThrowIfFailed();
            linked.SetResult();
            await ctx.Listen("never").ReceiveAsync();
            return "survived?!";
        }), Host, failer).Value;
        var partnerExit = Runtime.WaitForExitAsync(partner);
        await linked.Task.WaitAsync(Guard);
        Runtime.Send(failer, "fail", "disk full").ThrowIfFailed();
        var e = await partnerExit.WaitAsync(Guard);
        Assert.Equal($"link down: {failer} exited with error: disk full", e.Error);
    }

    [Fact]
    public async Task Trapping_process_gets_LinkDown_and_carries_on()
    {
        var fails = Fails();
        var result = await RunOk(async ctx =>
        {
            ctx.SetOptions(new ProcessOptions { TrapLinks = true }).ThrowIfFailed();
            Assert.True(ctx.GetOptions().TrapLinks);
            var child = ctx.SpawnLinked(fails, Host).Value;
            ctx.Send(child, "fail", "crash").ThrowIfFailed();
            var e = await ctx.Events().ReceiveAsync();
            return $"{e.Kind}|{e.From == child}|{e.Error}";
        });
        Assert.Equal("LinkDown|True|crash", result);
    }

    [Fact]
    public async Task Normal_exit_of_a_linked_process_kills_nobody()
    {
        var waits = Waits();
        var result = await RunOk(async ctx =>
        {
            var child = ctx.SpawnLinked(waits, Host).Value;
            ctx.Monitor(child).ThrowIfFailed();
            ctx.Send(child, "go", "done").ThrowIfFailed();
            var e = await ctx.Events().ReceiveAsync();
            return $"{e.Kind}|{e.Result}|{ctx.Events().Count}";
        });
        Assert.Equal("Exit|done|0", result);
    }

    [Fact]
    public async Task Child_spawned_linked_dies_when_parent_crashes()
    {
        var waits = Waits();
        var childPid = new TaskCompletionSource<Pid>();
        var parent = Runtime.Spawn(Entry(async ctx =>
        {
            childPid.SetResult(ctx.SpawnLinked(waits, Host).Value);
            await ctx.Listen("crash").ReceiveAsync();
            throw new InvalidOperationException("parent crashed");
        }), Host).Value;
        var child = await childPid.Task.WaitAsync(Guard);
        var childExit = Runtime.WaitForExitAsync(child);
        Runtime.Send(parent, "crash", 1).ThrowIfFailed();
        var e = await childExit.WaitAsync(Guard);
        Assert.Equal($"link down: {parent} exited with error: InvalidOperationException: parent crashed", e.Error);
    }

    [Fact]
    public async Task Termination_cascades_along_a_chain_of_100_links()
    {
        // Each process spawns the next linked; the last reports ready; killing the head kills all 100.
        var ready = new TaskCompletionSource<List<Pid>>();
        string chain = "test:chain";
        Runtime.Entries.Add(chain, async ctx =>
        {
            var path = ctx.Args.Count > 0 ? ((Pid[])ctx.Args[0]!).ToList() : [];
            path.Add(ctx.Self);
            if (path.Count < 100) ctx.SpawnLinked(chain, Host, (object)path.ToArray()).ThrowIfFailed();
            else ready.SetResult(path);
            await ctx.Listen("never").ReceiveAsync();
            return null;
        });
        Runtime.Spawn(chain, Host).ThrowIfFailed();
        var pids = await ready.Task.WaitAsync(Guard);
        var exits = pids.Select(p => Runtime.WaitForExitAsync(p)).ToArray();
        Runtime.Terminate(pids[50]).ThrowIfFailed();
        var events = await Task.WhenAll(exits).WaitAsync(Guard);
        Assert.All(events, e => Assert.NotNull(e.Error));
        Assert.Equal("terminated", events[50].Error);
        Assert.Equal($"link down: {pids[48]} exited with error: terminated", events[47].Error);
        Assert.Equal(0, Runtime.ProcessCount);
    }

    [Fact]
    public async Task At_most_one_link_per_pair_and_unlink_removes_it()
    {
        var fails = Fails();
        var result = await RunOk(async ctx =>
        {
            var child = ctx.Spawn(fails, Host).Value;
            ctx.Link(child).ThrowIfFailed();
            ctx.Link(child).ThrowIfFailed(); // idempotent
            var linkCount = ctx.Runtime.Find(child)!.LinkCount;
            ctx.Unlink(child).ThrowIfFailed();
            ctx.Monitor(child).ThrowIfFailed();
            ctx.Send(child, "fail", "x").ThrowIfFailed();
            var e = await ctx.Events().ReceiveAsync(); // we survive: only the monitor's Exit arrives
            return $"{linkCount}|{e.Kind}|{e.Error}";
        });
        Assert.Equal("1|Exit|x", result);
    }

    [Fact]
    public async Task Linking_to_a_dead_or_unknown_process_is_an_error()
    {
        var quick = Entry(_ => ValueTask.FromResult<object?>(null));
        var dead = Runtime.Spawn(quick, Host).Value;
        await Runtime.WaitForExitAsync(dead).WaitAsync(Guard);
        var result = await RunOk(ctx => ValueTask.FromResult<object?>(
            ctx.Link(dead).Error + "|" + ctx.Link("nobody").Error + "|" + ctx.Link(ctx.Self).Error + "|" + ctx.Monitor("{x").Error));
        Assert.Equal($"noproc: process {dead} is not alive|could not resolve 'nobody' as PID or registered name|a process cannot link to itself|malformed PID '{{x'", result);
    }

    [Fact]
    public async Task Terminate_from_outside_wakes_a_blocked_process_and_monitors_see_an_error()
    {
        var unwound = new TaskCompletionSource<string>();
        var listening = new TaskCompletionSource();
        var pid = Runtime.Spawn(Entry(async ctx =>
        {
            try
            {
                var never = ctx.Listen("never");
                listening.SetResult(); // terminate may land before or after the await parks: both must unwind
                await never.ReceiveAsync();
                return "received?!";
            }
            catch (ProcessTerminatedException ex)
            {
                unwound.SetResult(ex.Reason + "|" + ctx.Send(ctx.Self, "t", 1).Ok);
                throw;
            }
        }), Host).Value;
        var exit = Runtime.WaitForExitAsync(pid);
        await listening.Task.WaitAsync(Guard);
        Runtime.Terminate(pid).ThrowIfFailed();
        Assert.Equal("terminated", (await exit.WaitAsync(Guard)).Error);
        Assert.Equal("terminated|False", await unwound.Task.WaitAsync(Guard));
        Assert.Contains("process not found", Runtime.Terminate(pid).Error);
    }

    [Fact]
    public async Task Cancel_delivers_an_event_with_deadline_then_terminates_if_ignored()
    {
        var polite = Runtime.Spawn(Entry(async ctx =>
        {
            var e = await ctx.Events().ReceiveAsync();
            return $"{e.Kind}|{e.Deadline > e.At}";
        }), Host).Value;
        var rude = Runtime.Spawn(Entry(async ctx => await ctx.Listen("never").ReceiveAsync()), Host).Value;
        var politeExit = Runtime.WaitForExitAsync(polite);
        var rudeExit = Runtime.WaitForExitAsync(rude);
        Runtime.Cancel(polite, Guard).ThrowIfFailed(); // the deadline must not pass before the polite one runs
        Runtime.Cancel(rude, TimeSpan.FromMilliseconds(50)).ThrowIfFailed();
        Assert.Equal("Cancel|True", (await politeExit.WaitAsync(Guard)).Result);
        Assert.Equal("cancelled: deadline of 50ms exceeded", (await rudeExit.WaitAsync(Guard)).Error);
    }
}

public class MonitorBookkeepingTests : RuntimeTest
{
    [Fact]
    public async Task A_long_lived_watcher_forgets_monitored_processes_once_they_end()
    {
        var quick = Entry(ctx => ValueTask.FromResult<object?>(ctx.Arg<int>(0)));
        var result = await RunOk(async ctx =>
        {
            long sum = 0;
            for (int i = 0; i < 1000; i++)
            {
                ctx.SpawnMonitored(quick, Host, i).ThrowIfFailed();
                var e = await ctx.Events().ReceiveAsync();
                sum += (int)e.Result!;
            }
            // The last child forgets us just after queuing its Exit (outside its gate): give it a moment (bounded).
            var until = DateTime.UtcNow + Guard;
            while (ctx.Core.MonitoringCount > 0 && DateTime.UtcNow < until) await Task.Yield();
            return $"{sum}|{ctx.Core.MonitoringCount}";
        });
        Assert.Equal("499500|0", result);
    }
}

/// <summary>ProcessContext.SpawnLinkedMonitored (issue 10, item 6: Wippy's spawn_linked_monitored).</summary>
public class SpawnLinkedMonitoredTests : RuntimeTest
{
    [Fact]
    public async Task A_failing_child_gives_both_the_exit_event_and_the_link_down()
    {
        var fails = Entry(async ctx => throw new ProcessException(await ctx.Listen<string>("fail").ReceiveAsync()), "f" + Guid.NewGuid().ToString("N")[..6]);
        var result = await RunOk(async ctx =>
        {
            ctx.SetOptions(new ProcessOptions { TrapLinks = true }).ThrowIfFailed();
            var events = ctx.Events();
            var pid = ctx.SpawnLinkedMonitored(fails, Host).Value;
            ctx.Send(pid, "fail", "boom").ThrowIfFailed();
            var kinds = new List<string>();
            for (int i = 0; i < 2; i++)
            {
                var e = await events.ReceiveAsync();
                kinds.Add($"{e.Kind}:{e.From == pid}:{e.Error}");
            }
            kinds.Sort(StringComparer.Ordinal);
            return string.Join("|", kinds) + "|" + ctx.SpawnLinkedMonitored("app:nope", Host).Ok;
        });
        Assert.Equal("Exit:True:boom|LinkDown:True:boom|False", result);
    }
}
