namespace Typed.Processes.Tests;

/// <summary>Issue 8, item 12: durations and deadlines of any size either work or are refused before any effect.</summary>
public class DeadlineTests : IAsyncLifetime
{
    private const string Host = "app:deadlines";
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60); // a failure guard, never synchronisation: generous for loaded 2-core machines
    private readonly ManualTime _time = new();
    private readonly ProcessRuntime _runtime;

    public DeadlineTests()
    {
        _runtime = new ProcessRuntime(new ProcessRuntimeOptions { TimeProvider = _time });
        _runtime.Hosts.Add(Host, workers: 2);
        // Reports each event it receives on "seen" to whoever asked with "watch"; runs until terminated.
        _runtime.Entries.Add("test:watcher", async ctx =>
        {
            var observer = await ctx.Listen<Pid>("watch").ReceiveAsync();
            ctx.Send(observer, "ready", null).ThrowIfFailed();
            while (true)
            {
                var e = await ctx.Events().ReceiveAsync();
                ctx.Send(observer, "seen", e.ToString()).ThrowIfFailed();
            }
        });
        // Forwards the fields of each event it receives on "event" to whoever asked with "watch"; runs until terminated.
        _runtime.Entries.Add("test:events", async ctx =>
        {
            var observer = await ctx.Listen<Pid>("watch").ReceiveAsync();
            ctx.Send(observer, "ready", null).ThrowIfFailed();
            while (true)
            {
                var e = await ctx.Events().ReceiveAsync();
                ctx.Send(observer, "event", $"{e.Kind}|{e.From}|{e.Reason ?? "null"}|{e.At:O}|{(e.Deadline - e.At)?.ToString() ?? "none"}").ThrowIfFailed();
            }
        });
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await _runtime.DisposeAsync();

    [Fact]
    public async Task Cancel_with_a_60_day_deadline_works_and_terminates_only_when_it_has_passed()
    {
        var exit = _runtime.Start("test:watcher", Host).Value;
        Assert.True(_runtime.Cancel(exit.Pid, TimeSpan.FromDays(60)).Ok); // was: ArgumentOutOfRangeException, CANCEL delivered
        _time.Advance(TimeSpan.FromDays(59));
        Assert.True(_runtime.IsAlive(exit.Pid));
        _time.Advance(TimeSpan.FromDays(1) + TimeSpan.FromSeconds(1));
        var e = await exit.Exit.WaitAsync(Guard);
        Assert.Equal($"cancelled: deadline of {TimeSpan.FromDays(60).TotalMilliseconds:0}ms exceeded", e.Error);
    }

    [Fact]
    public async Task A_deadline_that_cannot_be_represented_is_refused_and_nothing_happens()
    {
        var result = await RunWatched(async (ctx, watcher, seen) =>
        {
            var tooFar = ctx.Cancel(watcher, TimeSpan.MaxValue);
            var negative = ctx.Cancel(watcher, TimeSpan.FromSeconds(-1));
            // A marker that does reach it: if the refused calls had queued a CANCEL, it would be seen first.
            ctx.Cancel(watcher, TimeSpan.FromDays(1)).ThrowIfFailed();
            var first = await seen.ReceiveAsync();
            return $"{tooFar.Error}|{negative.Error}|{first.StartsWith("CANCEL from", StringComparison.Ordinal)}|{_time.ActiveTimers}";
        });
        Assert.Equal("deadline of 10675199 days is too far in the future (it would fall after the year 9999)|deadline must not be negative|True|1", result);
    }

    [Fact]
    public async Task Cancel_with_a_reason_or_nothing_sends_the_reason_and_arms_no_deadline()
    {
        var result = await RunWatched(async (ctx, watcher, seen) =>
        {
            ctx.Cancel(watcher).ThrowIfFailed();
            ctx.Cancel(watcher.ToString(), "shutting down").ThrowIfFailed();
            ctx.Cancel(watcher, "by pid").ThrowIfFailed();
            ctx.Cancel(watcher.ToString()).ThrowIfFailed();
            _runtime.Cancel(watcher).ThrowIfFailed();                // from outside: From is the target itself
            _runtime.Cancel(watcher, "from outside").ThrowIfFailed();
            var events = new List<string>();
            for (int i = 0; i < 6; i++) events.Add(await seen.ReceiveAsync());
            var timers = _time.ActiveTimers;
            _time.Advance(TimeSpan.FromDays(3650)); // no deadline: nothing ever terminates it
            return string.Join("|", events).Replace(ctx.Self.ToString(), "SELF", StringComparison.Ordinal)
                .Replace(watcher.ToString(), "W", StringComparison.Ordinal) + $"|{timers}|{_runtime.IsAlive(watcher)}|{ctx.Cancel("nobody", "r").Error}";
        });
        Assert.Equal("CANCEL from SELF: |CANCEL from SELF: shutting down|CANCEL from SELF: by pid|CANCEL from SELF: |CANCEL from W: " +
                     "|CANCEL from W: from outside|0|True|could not resolve 'nobody' as PID or registered name", result);
    }

    [Fact]
    public async Task A_cancel_event_carries_its_reason_and_its_deadline_only_when_one_was_given()
    {
        var result = await RunWatched(async (ctx, _, _) =>
        {
            var target = ctx.Spawn("test:events", Host).Value;
            ctx.Send(target, "watch", ctx.Self).ThrowIfFailed();
            var events = ctx.Listen<string>("event");
            await ctx.Listen("ready").ReceiveAsync();
            ctx.Cancel(target, "why").ThrowIfFailed();
            var a = await events.ReceiveAsync();
            ctx.Cancel(target, TimeSpan.FromDays(1)).ThrowIfFailed();
            var b = await events.ReceiveAsync();
            return (a + "|" + b).Replace(ctx.Self.ToString(), "SELF", StringComparison.Ordinal).Replace($"{_time.GetUtcNow():O}", "NOW", StringComparison.Ordinal);
        });
        Assert.Equal("Cancel|SELF|why|NOW|none|Cancel|SELF||NOW|1.00:00:00", result);
    }

    [Fact]
    public async Task After_and_Sleep_take_any_delay()
    {
        var start = _time.GetUtcNow();
        var result = await RunWatched(async (ctx, _, _) =>
        {
            var far = ctx.After(TimeSpan.FromDays(400)); // was: ArgumentOutOfRangeException from CreateTimer
            var never = ctx.After(TimeSpan.MaxValue);
            var now = ctx.After(TimeSpan.FromDays(-3)); // the past: at once
            var r = await ctx.Select(now.CaseReceive(), far.CaseReceive(), never.CaseReceive());
            _time.Advance(TimeSpan.FromDays(399));
            var early = far.TryReceive(out _);
            _time.Advance(TimeSpan.FromDays(2));
            var due = await far.ReceiveAsync();
            return $"{r.Index}|{early}|{due == start + TimeSpan.FromDays(400)}|{never.TryReceive(out _)}";
        });
        Assert.Equal("0|False|True|False", result);
    }

    [Theory]
    [InlineData("1200h", 1200L * 36_000_000_000)]
    [InlineData("100000h", 100_000L * 36_000_000_000)]
    [InlineData("-1s", -10_000_000L)]
    [InlineData("256204778h", 256_204_778L * 36_000_000_000)] // the longest whole number of hours
    [InlineData("1.5ms", 15_000L)]
    public void Duration_parses_long_and_negative_durations(string text, long ticks)
    {
        Assert.True(Duration.TryParse(text, out var value, out var error), error);
        Assert.Equal(ticks, value.Ticks);
    }

    [Theory]
    [InlineData("256204779h", "too long")]
    [InlineData("922337203685477580800ns", "too long")] // 2^63 ticks: the boundary a '>' check let through
    [InlineData("99999999999999999999999999999999999999999999999999999999999999999999999h", "too long")]
    [InlineData("1.2.3s", "expected a number")]
    [InlineData("1e9s", "unknown unit 'e'")]
    [InlineData("NaNs", "expected a number")]
    [InlineData("5", "missing unit")]
    public void Duration_refuses_what_it_cannot_represent(string text, string why)
    {
        Assert.False(Duration.TryParse(text, out _, out var error));
        Assert.Contains(why, error);
    }

    [Theory]
    [InlineData(double.NaN, "NaN")]
    [InlineData(double.PositiveInfinity, "too long")]
    [InlineData(double.NegativeInfinity, "too long")]
    [InlineData(1e300, "too long")]
    public void Milliseconds_that_are_not_a_duration_are_an_error(double ms, string why)
    {
        Assert.False(Duration.TryFromMilliseconds(ms, out _, out var error));
        Assert.Contains(why, error);
        Assert.True(Duration.TryFromMilliseconds(-2.5, out var negative, out _));
        Assert.Equal(TimeSpan.FromMilliseconds(-2.5), negative);
    }

    /// <summary>Runs <paramref name="body"/> in a process, with a watcher process whose events it sees on "seen".</summary>
    private async Task<object?> RunWatched(Func<ProcessContext, Pid, ProcessChannel<string>, Task<object?>> body)
    {
        var entry = "test:driver" + Guid.NewGuid().ToString("N")[..6];
        _runtime.Entries.Add(entry, async ctx =>
        {
            var seen = ctx.Listen<string>("seen");
            var ready = ctx.Listen("ready");
            var watcher = ctx.Spawn("test:watcher", Host).Value;
            ctx.Send(watcher, "watch", ctx.Self).ThrowIfFailed();
            await ready.ReceiveAsync();
            return await body(ctx, watcher, seen);
        });
        var exit = await _runtime.RunAsync(entry, Host).WaitAsync(Guard);
        Assert.True(exit.Error is null, exit.Error);
        return exit.Result;
    }
}
