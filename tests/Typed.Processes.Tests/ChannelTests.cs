namespace Typed.Processes.Tests;

public class ChannelTests : RuntimeTest
{
    [Fact]
    public async Task Select_returns_the_ready_case_and_a_timer_fires_when_nothing_is_ready()
    {
        var result = await RunOk(async ctx =>
        {
            var a = ctx.NewChannel<int>(1);
            var b = ctx.NewChannel<string>(1);
            b.TrySend("b!");
            var first = await ctx.Select(a.CaseReceive(), b.CaseReceive());
            var timeout = ctx.After(TimeSpan.FromMilliseconds(30));
            var second = await ctx.Select(a.CaseReceive(), timeout.CaseReceive());
            return $"{first.Index}:{first.Value}|{second.Channel == timeout}";
        });
        Assert.Equal("1:b!|True", result);
    }

    [Fact]
    public async Task Unbuffered_channel_is_a_rendezvous_between_two_processes()
    {
        var result = await RunOk(async ctx =>
        {
            var ch = ctx.NewChannel<int>(0);
            Assert.False(ch.TrySend(1)); // nobody receiving
            var done = ctx.NewChannel<string>(1);
            // A local channel is shared only inside the process: use a C# task on the same host as the peer.
            var sender = Task.Run(async () => { await ch.SendAsync(7); });
            var v = await ch.ReceiveAsync();
            await sender;
            return v;
        });
        Assert.Equal(7, result);
    }

    [Fact]
    public async Task Buffered_send_blocks_when_full_and_close_drains_then_reports_closed()
    {
        var result = await RunOk(async ctx =>
        {
            var ch = ctx.NewChannel<int>(2);
            Assert.True(ch.TrySend(1));
            Assert.True(ch.TrySend(2));
            Assert.False(ch.TrySend(3));
            var send = ctx.TrySelect(ch.CaseSend(3));
            Assert.True(send.IsDefault);
            Assert.True(ch.Close().Ok);
            var r1 = await ch.TryReceiveAsync();
            var r2 = await ch.TryReceiveAsync();
            var r3 = await ch.TryReceiveAsync();
            await Assert.ThrowsAsync<ChannelClosedException>(async () => await ch.ReceiveAsync());
            Assert.Throws<ChannelClosedException>(() => ch.TrySend(4));
            return $"{r1}|{r2}|{r3}";
        });
        Assert.Equal("ReceiveResult { Value = 1, Ok = True }|ReceiveResult { Value = 2, Ok = True }|ReceiveResult { Value = 0, Ok = False }", result);
    }

    [Fact]
    public async Task Closing_a_blocked_receivers_channel_wakes_it_with_not_ok()
    {
        var result = await RunOk(async ctx =>
        {
            var ch = ctx.NewChannel<int>();
            var receive = ch.TryReceiveAsync();
            Assert.False(receive.IsCompleted);
            ch.Close();
            return (await receive).Ok;
        });
        Assert.Equal(false, result);
    }

    [Fact]
    public async Task Owned_channels_cannot_be_closed()
    {
        var result = await RunOk(ctx => ValueTask.FromResult<object?>(string.Join("|",
            ctx.Listen("t").Close().Error, ctx.Inbox().Close().Error, ctx.Events().Close().Error,
            ctx.After(TimeSpan.FromSeconds(1)).Close().Error)));
        Assert.Equal("cannot close the process's own topic channel|cannot close the process's own inbox channel|" +
                     "cannot close the process's own events channel|cannot close the process's own timer channel", result);
    }

    [Fact]
    public async Task Select_send_case_commits_only_one_case()
    {
        var result = await RunOk(async ctx =>
        {
            var a = ctx.NewChannel<int>(1);
            var b = ctx.NewChannel<int>(1);
            var r = await ctx.Select(a.CaseSend(1), b.CaseSend(2));
            return $"{r.Index}|{a.Count}|{b.Count}";
        });
        Assert.Equal("0|1|0", result);
    }

    [Fact]
    public async Task Many_selects_never_lose_or_duplicate_values()
    {
        // Two producers, one consumer selecting over two channels with a timer in every select.
        const int perProducer = 10_000; // count-based: enough selects to race, quick even on a loaded machine
        var result = await RunOk(async ctx =>
        {
            var a = ctx.NewChannel<int>(0);
            var b = ctx.NewChannel<int>(4);
            var p1 = Task.Run(async () => { for (int i = 0; i < perProducer; i++) await a.SendAsync(i); });
            var p2 = Task.Run(async () => { for (int i = 0; i < perProducer; i++) await b.SendAsync(i); });
            long sumA = 0, sumB = 0;
            int got = 0, lastA = -1, lastB = -1;
            var timer = ctx.After(TimeSpan.FromMinutes(5));
            while (got < 2 * perProducer)
            {
                var r = await ctx.Select(a.CaseReceive(), b.CaseReceive(), timer.CaseReceive());
                if (r.Is(a, out var va)) { if (va != lastA + 1) return "a out of order"; lastA = va; sumA += va; got++; }
                else if (r.Is(b, out var vb)) { if (vb != lastB + 1) return "b out of order"; lastB = vb; sumB += vb; got++; }
                else return "timer fired";
            }
            await Task.WhenAll(p1, p2);
            return $"{sumA}|{sumB}";
        });
        long expected = (long)perProducer * (perProducer - 1) / 2;
        Assert.Equal($"{expected}|{expected}", result);
    }

    [Fact]
    public async Task Sleep_suspends_only_the_caller_on_a_single_worker_host()
    {
        Runtime.Hosts.Add("app:single", workers: 1);
        var order = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var sleeper = Entry(async ctx => { await ctx.Sleep(TimeSpan.FromMilliseconds(300)); order.Enqueue("sleeper"); return null; });
        var worker = Entry(async ctx =>
        {
            var ch = ctx.Listen<int>("n");
            int sum = 0;
            for (int i = 0; i < 100; i++) sum += await ch.ReceiveAsync();
            order.Enqueue("worker");
            return sum;
        });
        var s = Runtime.Spawn(sleeper, "app:single").Value;
        var w = Runtime.Spawn(worker, "app:single").Value;
        var exits = new[] { Runtime.WaitForExitAsync(s), Runtime.WaitForExitAsync(w) };
        for (int i = 0; i < 100; i++) Runtime.Send(w, "n", i).ThrowIfFailed();
        await Task.WhenAll(exits).WaitAsync(Guard);
        Assert.Equal(["worker", "sleeper"], order);
        Assert.Equal(4950, (await exits[1]).Result);
    }

    [Fact]
    public void Durations_parse_in_go_syntax()
    {
        Assert.Equal(TimeSpan.FromMilliseconds(100), Duration.Parse("100ms"));
        Assert.Equal(TimeSpan.FromSeconds(90), Duration.Parse("1m30s"));
        Assert.Equal(TimeSpan.FromHours(1.5), Duration.Parse("1.5h"));
        Assert.Equal(TimeSpan.FromTicks(15), Duration.Parse("1us500ns"));
        Assert.Equal(TimeSpan.Zero, Duration.Parse("0"));
        Assert.Equal(TimeSpan.FromSeconds(-3), Duration.Parse("-3s"));
        Assert.False(Duration.TryParse("10", out _, out var e1));
        Assert.Contains("missing unit", e1);
        Assert.False(Duration.TryParse("5 parsecs", out _, out var e2));
        Assert.Contains("unknown unit", e2);
        Assert.False(Duration.TryParse("", out _, out _));
    }

    [Fact]
    public async Task Locking_a_channel_object_in_user_code_does_not_block_the_channel()
    {
        var channel = ProcessChannel<int>.Create(1);
        using var locked = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var holder = new Thread(() =>
        {
            lock (channel)
            {
                locked.Set();
                release.Wait();
            }
        });
        holder.Start();
        locked.Wait();
        try
        {
            // Another thread uses the channel while the holder keeps a lock on the object.
            var used = Task.Run(() => channel.TrySend(1) && channel.TryReceive(out var v) && v == 1);
            var finished = await Task.WhenAny(used, Task.Delay(TimeSpan.FromSeconds(10)));
            Assert.True(finished == used, "the channel's operations waited for a lock taken on the channel object");
            Assert.True(await used);
        }
        finally
        {
            release.Set();
            holder.Join();
        }
    }
}
