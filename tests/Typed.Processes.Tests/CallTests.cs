namespace Typed.Processes.Tests;

/// <summary>Request/reply: <see cref="ProcessContext.CallAsync{T}(Pid, string, object?, TimeSpan)"/>, <see cref="ReplyHandle"/>.</summary>
public class CallTests : RuntimeTest
{
    /// <summary>Answers every call on "inc" with its payload + 1, until a plain "stop".</summary>
    private string Incrementer() => Entry(async ctx =>
    {
        var inbox = ctx.Inbox();
        while (true)
        {
            var m = await inbox.ReceiveAsync();
            if (m.Topic == "stop") return null;
            m.Reply((int)m.Payload! + 1).ThrowIfFailed();
        }
    });

    /// <summary>A process that takes the first message, hands it to <paramref name="got"/>, and never answers.</summary>
    private Pid Holder(TaskCompletionSource<Message> got) => Runtime.Spawn(Entry(async ctx =>
    {
        got.SetResult(await ctx.Inbox().ReceiveAsync());
        await ctx.NewChannel<int>().ReceiveAsync();
        return null;
    }), Host).Value;

    [Fact]
    public async Task A_call_returns_the_reply_inside_and_outside_a_process()
    {
        var server = Runtime.Spawn(Incrementer(), Host).Value;
        var inside = await RunOk(async ctx =>
        {
            var r = await ctx.CallAsync<int>(ctx.Arg<Pid>(0), "inc", 41, Guard);
            return r.Value;
        }, server);
        Assert.Equal(42, inside);
        var outside = await Runtime.CallAsync<int>(server.ToString(), "inc", 1, Guard);
        Assert.Equal(2, outside.Value);
        Assert.Equal(0, Runtime.Find(server)!.ObserverCount); // each call stopped observing its target
    }

    [Fact]
    public async Task A_thousand_concurrent_calls_answered_in_reverse_order_never_mix()
    {
        const int n = 1000;
        var server = Runtime.Spawn(Entry(async ctx =>
        {
            var inbox = ctx.Inbox();
            var held = new List<Message>();
            for (int i = 0; i < n; i++) held.Add(await inbox.ReceiveAsync());
            for (int i = held.Count - 1; i >= 0; i--) held[i].Reply((int)held[i].Payload! * 2).ThrowIfFailed();
            return null;
        }), Host).Value;
        var result = await RunOk(async ctx =>
        {
            var calls = Enumerable.Range(0, n).Select(i => ctx.CallAsync<int>(server, "double", i, Guard).AsTask()).ToArray();
            var replies = await Task.WhenAll(calls);
            for (int i = 0; i < n; i++)
                if (replies[i].Value != i * 2) return $"call {i} got {replies[i]}";
            return $"ok, {ctx.Core.PendingCallCount} pending";
        });
        Assert.Equal("ok, 0 pending", result);
    }

    [Fact]
    public async Task A_dead_or_unknown_target_is_an_error_at_once()
    {
        var gone = Runtime.Spawn(Entry(_ => ValueTask.FromResult<object?>(null)), Host).Value;
        await Runtime.WaitForExitAsync(gone).WaitAsync(Guard);
        var dead = await Runtime.CallAsync<int>(gone, "inc", 1, Guard).AsTask().WaitAsync(Guard);
        Assert.Contains("not alive", dead.Error);
        var unknown = await Runtime.CallAsync<int>("no-such-name", "inc", 1, Guard).AsTask().WaitAsync(Guard);
        Assert.Contains("could not resolve 'no-such-name'", unknown.Error);
    }

    [Fact]
    public async Task A_target_that_dies_mid_call_gives_its_error_not_a_timeout()
    {
        var got = new TaskCompletionSource<Message>();
        var server = Holder(got);
        var call = Runtime.CallAsync<int>(server, "inc", 1, TimeSpan.FromHours(1)).AsTask();
        await got.Task.WaitAsync(Guard);
        Runtime.Terminate(server).ThrowIfFailed();
        var r = await call.WaitAsync(Guard);
        Assert.False(r.Ok);
        Assert.Contains($"{server} failed before replying", r.Error);
        Assert.Contains("terminated", r.Error);
    }

    [Fact]
    public async Task A_handler_that_throws_gives_the_exception_text()
    {
        var server = Runtime.Spawn(Entry(async ctx =>
        {
            await ctx.Inbox().ReceiveAsync();
            throw new InvalidOperationException("boom in the handler");
        }), Host).Value;
        var r = await Runtime.CallAsync<int>(server, "inc", 1, TimeSpan.FromHours(1)).AsTask().WaitAsync(Guard);
        Assert.Contains("boom in the handler", r.Error);
    }

    [Fact]
    public async Task After_a_timeout_a_late_reply_is_dropped_and_nothing_leaks()
    {
        var server = Runtime.Spawn(Entry(async ctx =>
        {
            var inbox = ctx.Inbox();
            var call = await inbox.ReceiveAsync();
            var go = await inbox.ReceiveAsync(); // a plain message from the caller once it has timed out
            var late = call.Reply(1);
            ctx.Send(go.From!, "late", late.Error ?? "accepted").ThrowIfFailed();
            return null;
        }), Host).Value;
        var result = await RunOk(async ctx =>
        {
            var r = await ctx.CallAsync<int>(server, "slow", 0, TimeSpan.FromMilliseconds(50));
            if (r.Ok) return "no timeout";
            var late = ctx.ListenMessages("late");
            ctx.Send(server, "go", null).ThrowIfFailed();
            var answer = (string)(await late.ReceiveAsync()).Payload!;
            var stray = ctx.Inbox().TryReceive(out var m) ? m.ToString() : "none";
            return $"{r.Error} | {answer} | stray: {stray} | pending: {ctx.Core.PendingCallCount}";
        });
        Assert.Matches(@"^call timed out: .* did not answer 'slow' within 50ms \| the caller no longer waits for this reply \(call timed out.*\) \| stray: none \| pending: 0$", (string)result!);
    }

    [Fact]
    public async Task Cancellation_ends_the_wait_and_the_reply_is_dropped()
    {
        var got = new TaskCompletionSource<Message>();
        var server = Holder(got);
        using var cts = new CancellationTokenSource();
        var call = Runtime.CallAsync<int>(server, "inc", 1, TimeSpan.FromHours(1), cts.Token).AsTask();
        var message = await got.Task.WaitAsync(Guard);
        Assert.True(message.IsCall);
        Assert.True(message.ReplyTo!.IsOpen);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.WaitAsync(Guard));
        Assert.False(message.ReplyTo.IsOpen);
        Assert.Contains("no longer waits", message.Reply(5).Error);
        Assert.Equal(0, Runtime.Find(server)!.ObserverCount);
    }

    [Fact]
    public async Task A_reply_of_the_wrong_type_is_an_error()
    {
        var server = Runtime.Spawn(Entry(async ctx =>
        {
            (await ctx.Inbox().ReceiveAsync()).Reply("text").ThrowIfFailed();
            return null;
        }), Host).Value;
        var r = await Runtime.CallAsync<int>(server, "inc", 1, Guard).AsTask().WaitAsync(Guard);
        Assert.Equal("the reply to 'inc' is String, not Int32", r.Error);
    }

    [Fact]
    public async Task A_kept_handle_is_answered_from_another_message_and_a_second_answer_is_an_error()
    {
        var server = Runtime.Spawn(Entry(async ctx =>
        {
            var inbox = ctx.Inbox();
            var call = await inbox.ReceiveAsync();
            var handle = call.ReplyTo!;
            var set = await inbox.ReceiveAsync(); // a plain send: not a call
            var notACall = set.Reply(0);
            handle.Reply((int)set.Payload!).ThrowIfFailed();
            var second = handle.Reply(99);
            return $"{notACall.Error} | {second.Error}";
        }), Host).Value;
        var exit = Runtime.WaitForExitAsync(server);
        var call = Runtime.CallAsync<int>(server, "get", null, Guard).AsTask();
        Runtime.Send(server, "set", 7).ThrowIfFailed();
        Assert.Equal(7, (await call.WaitAsync(Guard)).Value);
        Assert.Equal("the message on 'set' is not a call: there is no caller waiting for a reply | the call was already answered",
            (await exit.WaitAsync(Guard)).Result);
    }

    [Fact]
    public async Task A_process_cannot_call_itself_and_a_payload_only_listener_cannot_be_called()
    {
        var result = await RunOk(async ctx =>
        {
            var self = await ctx.CallAsync<int>(ctx.Self, "inc", 1, Guard);
            ctx.Listen<int>("payloads");
            var payloadOnly = await ctx.Runtime.CallAsync<int>(ctx.Self, "payloads", 1, Guard);
            return $"{self.Error} | {payloadOnly.Error}";
        });
        Assert.Matches("^a process cannot call itself.* \\| topic 'payloads' of .* is listened to for payloads only", (string)result!);
    }

    [Fact]
    public async Task A_timeout_must_be_positive()
    {
        var server = Runtime.Spawn(Incrementer(), Host).Value;
        var r = await Runtime.CallAsync<int>(server, "inc", 1, TimeSpan.Zero);
        Assert.Equal("call: the timeout must be positive", r.Error);
    }

    [Fact]
    public async Task A_caller_that_ends_mid_call_stops_observing_the_target()
    {
        var got = new TaskCompletionSource<Message>();
        var server = Holder(got);
        var caller = Runtime.Spawn(Entry(async ctx => (await ctx.CallAsync<int>(server, "inc", 1, TimeSpan.FromHours(1))).Value), Host).Value;
        var exit = Runtime.WaitForExitAsync(caller);
        var message = await got.Task.WaitAsync(Guard);
        Runtime.Terminate(caller).ThrowIfFailed();
        await exit.WaitAsync(Guard);
        Assert.False(message.ReplyTo!.IsOpen);
        Assert.Equal(0, Runtime.Find(server)!.ObserverCount);
    }
}
