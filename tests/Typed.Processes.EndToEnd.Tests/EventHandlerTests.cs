namespace Typed.Processes.EndToEnd;

/// <summary>Issue 11: [OnExit], [OnLinkDown], [OnCancel] and CancellationToken parameters, through generated code, and
/// the arrival order of the generated loop (topics, inbox and events in one channel).</summary>
public sealed class EventHandlerTests() : RuntimeTestBase(withLuaApp: false)
{
    [Fact]
    public async Task A_coordinator_collects_results_of_1000_monitored_workers_each_before_its_exit()
    {
        var exit = await Runtime.RunAsync(ProcessReferences.Entries.AppJobsCoordinator, Host, 1000).WaitAsync(Guard);
        Assert.Null(exit.Error);
        Assert.Equal($"1000 results, sum {Enumerable.Range(0, 1000).Sum(i => i * 10L)}, 0 exits before their result, 0 failed", exit.Result);
    }

    [Fact]
    public async Task Topic_and_inbox_messages_are_handled_in_arrival_order()
    {
        var recorder = Recorder.Spawn(Runtime, Host).Value;
        var exit = Runtime.WaitForExitAsync(recorder);
        var expected = new List<string>();
        for (int i = 0; i < 300; i++)
        {
            var topic = i % 2 == 0 ? "listed" : "other";
            Runtime.Send(recorder, topic, i).ThrowIfFailed();
            expected.Add($"{topic}:{i}");
        }
        Runtime.SendDone(recorder).ThrowIfFailed();
        var e = await exit.WaitAsync(Guard);
        Assert.Null(e.Error);
        Assert.Equal(string.Join(",", expected), e.Result);
    }

    [Fact]
    public async Task A_cancel_handler_without_a_deadline_can_stop_the_process()
    {
        var result = await Run(async ctx =>
        {
            var graceful = Graceful.SpawnMonitored(ctx, Host).Value;
            ctx.Cancel(graceful, "please").ThrowIfFailed();
            var exit = await ctx.Events().ReceiveAsync();
            return $"{exit.Result}|{exit.Error}";
        });
        Assert.Equal("stopped: please|", result);
    }

    [Fact]
    public async Task A_cancel_handlers_deadline_token_fires_at_the_deadline()
    {
        var result = await Run(async ctx =>
        {
            var seen = ctx.Listen<string>("cancel-seen");
            var fired = ctx.Listen<string>("deadline-fired");
            var graceful = Graceful.SpawnMonitored(ctx, Host).Value;
            ctx.Cancel(graceful, TimeSpan.FromMilliseconds(200)).ThrowIfFailed();
            var reason = await seen.ReceiveAsync();
            var firedReason = await fired.ReceiveAsync();
            var exit = await ctx.Events().ReceiveAsync();
            return $"[{reason}]|[{firedReason}]|{exit.Error}";
        });
        Assert.Equal("[]|[]|cancelled: deadline of 200ms exceeded", result);
    }

    [Fact]
    public async Task An_entry_with_a_link_down_handler_traps_links()
    {
        var exit = await Runtime.RunAsync(ProcessReferences.Entries.AppJobsSupervisor, Host).WaitAsync(Guard);
        Assert.Null(exit.Error);
        Assert.StartsWith("True: ", (string)exit.Result!, StringComparison.Ordinal);
        Assert.Contains("boom", (string)exit.Result!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_handlers_cancellation_token_is_cancelled_when_the_process_is_terminated()
    {
        var result = await Run(async ctx =>
        {
            var waiting = ctx.Listen<string>("waiting");
            var aborted = ctx.Listen<string>("aborted");
            var sleeper = Sleeper.SpawnMonitored(ctx, Host).Value;
            ctx.SendWait(sleeper, ctx.Self).ThrowIfFailed();
            await waiting.ReceiveAsync();
            ctx.Terminate(sleeper).ThrowIfFailed();
            var seen = await aborted.ReceiveAsync();
            var exit = await ctx.Events().ReceiveAsync();
            return $"{seen}|{exit.Error}";
        });
        Assert.StartsWith("yes|terminated", (string)result!, StringComparison.Ordinal);
    }
}
