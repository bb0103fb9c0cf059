using System.Collections.Immutable;

namespace Typed.Processes.Tests;

public class MessagingTests : RuntimeTest
{
    [Fact]
    public async Task Echo_reply_reaches_the_sender_with_sender_topic_and_payload()
    {
        var echo = Entry(async ctx =>
        {
            var msg = await ctx.ListenMessages("echo").ReceiveAsync();
            ctx.Send(msg.From!, "reply", msg.Payload).ThrowIfFailed();
            return msg.Topic;
        });
        var result = await RunOk(async ctx =>
        {
            var replies = ctx.ListenMessages("reply");
            var worker = ctx.Spawn(echo, Host).Value;
            ctx.Send(worker, "echo", "hello").ThrowIfFailed();
            var reply = await replies.ReceiveAsync();
            return $"{reply.Payload}|{reply.Topic}|{reply.From == worker}";
        });
        Assert.Equal("hello|reply|True", result);
    }

    [Fact]
    public async Task Messages_from_one_sender_arrive_in_order_under_load()
    {
        const int count = 100_000;
        var receiver = Entry(async ctx =>
        {
            var ch = ctx.Listen<int>("n");
            for (int expected = 0; expected < count; expected++)
            {
                var n = await ch.ReceiveAsync();
                if (n != expected) return $"out of order: got {n}, expected {expected}";
            }
            return "ordered";
        });
        var pid = Runtime.Spawn(receiver, Host).Value;
        var exit = Runtime.WaitForExitAsync(pid);
        for (int i = 0; i < count; i++) Runtime.Send(pid, "n", i).ThrowIfFailed();
        Assert.Equal("ordered", (await exit.WaitAsync(Guard)).Result);
    }

    [Fact]
    public async Task Each_of_many_senders_is_ordered_at_the_receiver()
    {
        const int senders = 8, perSender = 5_000;
        var receiver = Entry(async ctx =>
        {
            var ch = ctx.ListenMessages("n");
            var last = new Dictionary<Pid, int>();
            for (int i = 0; i < senders * perSender; i++)
            {
                var m = await ch.ReceiveAsync();
                var n = (int)m.Payload!;
                if (last.TryGetValue(m.From!, out var prev) && n != prev + 1) return $"{m.From} sent {prev} then {n}";
                last[m.From!] = n;
            }
            return last.Count;
        });
        var sender = Entry(ctx =>
        {
            var to = ctx.Arg<Pid>(0);
            for (int i = 0; i < perSender; i++) ctx.Send(to, "n", i).ThrowIfFailed();
            return ValueTask.FromResult<object?>(null);
        });
        var rpid = Runtime.Spawn(receiver, Host).Value;
        var exit = Runtime.WaitForExitAsync(rpid);
        for (int s = 0; s < senders; s++) Runtime.Spawn(sender, Host, rpid).ThrowIfFailed();
        Assert.Equal(senders, (await exit.WaitAsync(Guard)).Result);
    }

    [Fact]
    public async Task Messages_sent_before_any_listener_wait_in_the_mailbox()
    {
        var gate = new TaskCompletionSource();
        var entry = Entry(async ctx =>
        {
            await gate.Task; // messages arrive while no listener exists
            var ch = ctx.Listen<string>("late");
            return await ch.ReceiveAsync() + await ch.ReceiveAsync();
        });
        var pid = Runtime.Spawn(entry, Host).Value;
        var exit = Runtime.WaitForExitAsync(pid);
        Runtime.Send(pid, "late", "a").ThrowIfFailed();
        Runtime.Send(pid, "late", "b").ThrowIfFailed();
        gate.SetResult();
        Assert.Equal("ab", (await exit.WaitAsync(Guard)).Result);
    }

    [Fact]
    public async Task Routing_is_decided_at_receive_listener_takes_early_messages_inbox_takes_the_rest()
    {
        // The spec's scenario: inbox first, then listen("specific_topic"); every specific_topic message goes to the
        // listener, even those sent before the process started; other topics go to the inbox in order.
        var gate = new TaskCompletionSource();
        var entry = Entry(async ctx =>
        {
            await gate.Task;
            var inbox = ctx.Inbox();
            var specific = ctx.Listen("specific_topic");
            var log = new List<string>();
            for (int i = 0; i < 5; i++)
            {
                var r = await ctx.Select(specific.CaseReceive(), inbox.CaseReceive());
                if (r.Is(specific, out var payload)) log.Add("S:" + payload);
                else if (r.Is(inbox, out var msg)) log.Add($"I:{msg.Topic}={msg.Payload}");
            }
            return string.Join(",", log);
        });
        var pid = Runtime.Spawn(entry, Host).Value;
        var exit = Runtime.WaitForExitAsync(pid);
        Runtime.Send(pid, "other", 1).ThrowIfFailed();
        Runtime.Send(pid, "specific_topic", "x").ThrowIfFailed();
        Runtime.Send(pid, "another", 2).ThrowIfFailed();
        Runtime.Send(pid, "specific_topic", "y").ThrowIfFailed();
        gate.SetResult();
        Runtime.Send(pid, "other", 3).ThrowIfFailed();
        var log = ((string)(await exit.WaitAsync(Guard)).Result!).Split(',');
        Assert.Equal(["S:x", "S:y"], log.Where(l => l.StartsWith("S:", StringComparison.Ordinal)));
        Assert.Equal(["I:other=1", "I:another=2", "I:other=3"], log.Where(l => l.StartsWith("I:", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Typed_listener_refuses_a_payload_of_another_type_with_an_error_for_the_sender()
    {
        var ready = new TaskCompletionSource();
        var entry = Entry(async ctx =>
        {
            var ch = ctx.Listen<int>("n");
            ready.SetResult();
            return await ch.ReceiveAsync();
        });
        var pid = Runtime.Spawn(entry, Host).Value;
        var exit = Runtime.WaitForExitAsync(pid);
        await ready.Task.WaitAsync(Guard);
        var bad = Runtime.Send(pid, "n", "text");
        Assert.False(bad.Ok);
        Assert.Contains("takes Int32, not String", bad.Error);
        Runtime.Send(pid, "n", 5).ThrowIfFailed();
        Assert.Equal(5, (await exit.WaitAsync(Guard)).Result);
    }

    [Fact]
    public async Task Payloads_are_copied_or_immutable()
    {
        var received = new TaskCompletionSource<int[]>();
        var entry = Entry(async ctx =>
        {
            received.SetResult(await ctx.Listen<int[]>("arr").ReceiveAsync());
            return await ctx.Listen("stop").ReceiveAsync();
        });
        var pid = Runtime.Spawn(entry, Host).Value;
        var array = new[] { 1, 2, 3 };
        Runtime.Send(pid, "arr", array).ThrowIfFailed();
        array[0] = 99; // the sender changes its copy after sending
        var got = await received.Task.WaitAsync(Guard);
        Assert.Equal([1, 2, 3], got);
        Assert.NotSame(array, got);

        Assert.True(Runtime.Send(pid, "x", ImmutableList.Create(1, 2)).Ok);
        Assert.True(Runtime.Send(pid, "x", PayloadTable.FromItems(1L, "two")).Ok);
        Assert.False(Runtime.Send(pid, "x", new List<int>()).Ok);
        Assert.False(Runtime.Send(pid, "x", new Action(() => { })).Ok);
        Assert.Contains("element 0", Runtime.Send(pid, "x", new object[] { new List<int>() }).Error);
        Assert.True(Runtime.IsAlive(pid));
    }

    [Fact]
    public async Task Bad_destinations_and_topics_give_clear_errors()
    {
        var entry = Entry(async ctx => await ctx.Listen("never").ReceiveAsync());
        var pid = Runtime.Spawn(entry, Host).Value;
        Assert.Equal("malformed PID '{nonsense'", Runtime.Send("{nonsense", "t", 1).Error);
        Assert.Equal("could not resolve 'ghost' as PID or registered name", Runtime.Send("ghost", "t", 1).Error);
        Assert.Equal("topic must be a non-empty string", Runtime.Send(pid, "", 1).Error);
        Assert.Contains("process not found", Runtime.Send(new Pid(Host, "test:x", long.MaxValue), "t", 1).Error);

        var finished = Runtime.Spawn(Entry(_ => ValueTask.FromResult<object?>(null)), Host).Value;
        await Runtime.WaitForExitAsync(finished).WaitAsync(Guard);
        Assert.Contains("process not found", Runtime.Send(finished, "t", 1).Error);
        Assert.True(Runtime.IsAlive(pid)); // nothing above harmed the live process
    }

    [Fact]
    public async Task Send_by_pid_text_form_reaches_the_process()
    {
        var entry = Entry(async ctx => await ctx.Listen("t").ReceiveAsync());
        var pid = Runtime.Spawn(entry, Host).Value;
        var exit = Runtime.WaitForExitAsync(pid);
        Runtime.Send(pid.ToString(), "t", "via text").ThrowIfFailed();
        Assert.Equal("via text", (await exit.WaitAsync(Guard)).Result);
    }

    [Fact]
    public async Task Listening_twice_to_a_topic_returns_the_same_channel_and_a_different_kind_is_refused()
    {
        var result = await RunOk(ctx =>
        {
            var a = ctx.Listen("t");
            var b = ctx.Listen("t");
            var ex = Assert.Throws<ProcessException>(() => ctx.ListenMessages("t"));
            return ValueTask.FromResult<object?>(ReferenceEquals(a, b) + "|" + ex.Message);
        });
        Assert.Equal("True|topic 't' already has a listener of another kind (payloads of any payload)", result);
    }
}
