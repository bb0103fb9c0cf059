namespace Typed.Processes.Tests;

/// <summary>
/// Issue 11: one dispatch channel for generated entries. <c>RouteInbox</c> and <c>RouteEvents</c> put the inbox's
/// messages and the chosen kinds of events into the channel the topics' listeners deliver into, so one receive sees
/// everything in arrival order (as an Erlang mailbox does: a process's last message arrives before its 'DOWN').
/// </summary>
public class DispatchRoutingTests : RuntimeTest
{
    private static async Task<Pid> Ended(ProcessRuntime runtime)
    {
        var done = runtime.Start("test:nothing", Host).Value;
        await done.Exit.WaitAsync(Guard);
        return done.Pid;
    }

    public DispatchRoutingTests() => Runtime.Entries.Add("test:nothing", _ => ValueTask.FromResult<object?>(null));

    [Fact]
    public async Task Topic_inbox_and_exit_from_one_sender_arrive_in_send_order_on_one_channel()
    {
        var sender = Entry(ctx =>
        {
            var parent = ctx.Arg<Pid>(0);
            for (int i = 0; i < 200; i++) ctx.Send(parent, i % 3 == 0 ? "listened" : "other" + (i % 2), i).ThrowIfFailed();
            return ValueTask.FromResult<object?>("sent");
        });
        var result = await RunOk(async ctx =>
        {
            var messages = ctx.ListenMessages<int>("listened", null).Value;
            Assert.Same(messages, ctx.RouteInbox(messages).Value);
            Assert.Same(messages, ctx.RouteEvents(messages, ProcessEventKind.Exit).Value);
            Assert.Same(messages, ctx.Inbox()); // the inbox is the routed channel now
            ctx.SpawnMonitored(sender, Host, ctx.Self).ThrowIfFailed();
            var seen = new List<string>();
            while (true)
            {
                var m = await messages.ReceiveAsync();
                if (m.Event is { } e) { seen.Add($"{e.Kind}:{e.Result}"); break; }
                seen.Add($"{m.Topic}:{m.Payload}");
            }
            return string.Join(",", seen);
        });
        var expected = Enumerable.Range(0, 200).Select(i => $"{(i % 3 == 0 ? "listened" : "other" + (i % 2))}:{i}").Append("Exit:sent");
        Assert.Equal(string.Join(",", expected), result);
    }

    /// <summary>
    /// The issue's case under stress: 1,000 workers each send their result and end; the coordinator's handling of each
    /// Exit always finds that worker's result already handled, even when it reads only after all of them ended. (Reading the topic channel and <c>Events()</c> with a
    /// select, as before, failed this: a select between two ready channels may take either.)
    /// </summary>
    [Fact]
    public async Task Under_stress_every_workers_result_is_received_before_its_exit()
    {
        const int workers = 1000;
        var worker = Entry(ctx =>
        {
            ctx.Send(ctx.Arg<Pid>(0), "result", ctx.Self.ToString()).ThrowIfFailed();
            return ValueTask.FromResult<object?>(null);
        });
        var result = await RunOk(async ctx =>
        {
            var messages = ctx.ListenMessages<string>("result", null).Value;
            ctx.RouteEvents(messages, ProcessEventKind.Exit).ThrowIfFailed();
            var pids = new List<Pid>();
            for (int i = 0; i < workers; i++) pids.Add(ctx.SpawnMonitored(worker, Host, ctx.Self).Value);
            // Everything is queued before the first receive, so both a result and its Exit are ready at once.
            await Task.WhenAll(pids.Select(p => ctx.Runtime.WaitForExitAsync(p)));
            var results = new HashSet<string>();
            int exits = 0, early = 0;
            while (exits < workers)
            {
                var m = await messages.ReceiveAsync();
                if (m.Event is { Kind: ProcessEventKind.Exit } e)
                {
                    exits++;
                    if (!results.Contains(e.From.ToString())) early++;
                }
                else results.Add((string)m.Payload!);
            }
            return $"{results.Count} results, {early} exits before their result";
        });
        Assert.Equal($"{workers} results, 0 exits before their result", result);
    }

    /// <summary>
    /// The other direction: an Exit that arrived before a message is handled before it. 500 pairs: the first worker
    /// ends when the second, which monitors it, tells it to; the second waits for that end and then reports it (the
    /// coordinator's Exit is queued first: it monitored the first worker before the second did). The coordinator must
    /// never see the report before the Exit it follows. (A select that polls the topic channel before
    /// <c>Events()</c> fails this one; one that polls <c>Events()</c> first fails the test above: no order of two
    /// channels keeps both.)
    /// </summary>
    [Fact]
    public async Task Under_stress_a_message_sent_after_an_exit_arrived_is_received_after_it()
    {
        const int pairs = 500;
        var first = Entry(async ctx =>
        {
            await ctx.Listen("go").ReceiveAsync();
            return null;
        });
        var second = Entry(async ctx =>
        {
            var watched = ctx.Arg<Pid>(1);
            ctx.Monitor(watched).ThrowIfFailed(); // while it is alive (a noproc Exit would not be ordered after the coordinator's)
            ctx.Send(watched, "go", null).ThrowIfFailed();
            await ctx.Events().ReceiveAsync(); // its Exit: the coordinator's was queued before this one (monitor order)
            ctx.Send(ctx.Arg<Pid>(0), "gone", watched.ToString()).ThrowIfFailed();
            return null;
        });
        var result = await RunOk(async ctx =>
        {
            var messages = ctx.ListenMessages<string>("gone", null).Value;
            ctx.RouteEvents(messages, ProcessEventKind.Exit).ThrowIfFailed();
            var seconds = new List<Pid>();
            for (int i = 0; i < pairs; i++)
            {
                var pid = ctx.SpawnMonitored(first, Host).Value;
                seconds.Add(ctx.Spawn(second, Host, ctx.Self, pid).Value);
            }
            // Everything is queued before the first receive, so both an Exit and the report that follows it are ready.
            await Task.WhenAll(seconds.Select(p => ctx.Runtime.WaitForExitAsync(p)));
            var exited = new HashSet<string>();
            int reports = 0, early = 0;
            while (reports < pairs)
            {
                var m = await messages.ReceiveAsync();
                if (m.Event is { Kind: ProcessEventKind.Exit } e) exited.Add(e.From.ToString());
                else
                {
                    reports++;
                    if (!exited.Contains((string)m.Payload!)) early++;
                }
            }
            return $"{reports} reports, {early} before the exit they report";
        });
        Assert.Equal($"{pairs} reports, 0 before the exit they report", result);
    }

    /// <summary>
    /// An entry whose contract asks for dispatch (generated entries with a loop) has its one channel from creation:
    /// messages and events sent before it first runs keep their arrival order (routing them when it starts could only
    /// put one kind after the other). One worker, so the child cannot run before its parent waits.
    /// </summary>
    [Fact]
    public async Task With_a_dispatching_contract_what_arrives_before_the_start_keeps_its_order()
    {
        Runtime.Hosts.Add("app:single", workers: 1);
        Runtime.Entries.Add(new CSharpEntry("test:dispatching", async ctx =>
        {
            var messages = ctx.RouteInbox(null).Value;
            ctx.ListenMessages<int>("a", messages).ThrowIfFailed();
            ctx.RouteEvents(messages, ProcessEventKind.Cancel).ThrowIfFailed();
            var seen = new List<string>();
            for (int i = 0; i < 4; i++)
            {
                var m = await messages.ReceiveAsync();
                seen.Add(m.Event is { } e ? $"{e.Kind}:{e.Reason}" : $"{m.Topic}:{m.Payload}");
            }
            return string.Join(",", seen);
        })
        {
            Topics = new TopicContract([new("a", typeof(int))], acceptsOtherTopics: true) { Dispatches = true, DispatchedEvents = [ProcessEventKind.Cancel] },
        });
        var parent = Runtime.Start(Entry(async ctx =>
        {
            var child = ctx.SpawnMonitored("test:dispatching", "app:single").Value;
            ctx.Send(child, "b", 1).ThrowIfFailed();  // the inbox's
            ctx.Cancel(child, "why").ThrowIfFailed();
            ctx.Send(child, "a", 2).ThrowIfFailed();  // the listener's (not there yet)
            ctx.Send(child, "c", 3).ThrowIfFailed();
            var exit = await ctx.Events().ReceiveAsync();
            return $"{exit.Result}{exit.Error}";
        }), "app:single").Value;
        var done = await parent.Exit.WaitAsync(Guard);
        Assert.Equal("b:1,Cancel:why,a:2,c:3", done.Result);
    }

    [Fact]
    public async Task Messages_waiting_in_the_inbox_move_first_and_keep_their_order()
    {
        var result = await RunOk(async ctx =>
        {
            ctx.Send(ctx.Self, "x", 1).ThrowIfFailed(); // no listener yet: waits in the inbox
            ctx.Send(ctx.Self, "y", 2).ThrowIfFailed();
            var messages = ctx.ListenMessages<int>("a", null).Value;
            ctx.RouteInbox(messages).ThrowIfFailed();
            ctx.Send(ctx.Self, "a", 3).ThrowIfFailed();
            ctx.Send(ctx.Self, "z", 4).ThrowIfFailed();
            var seen = new List<string>();
            for (int i = 0; i < 4; i++) seen.Add((await messages.ReceiveAsync()).Topic);
            return string.Join("", seen);
        });
        Assert.Equal("xyaz", result);
    }

    [Fact]
    public async Task Events_waiting_before_routing_move_first_and_other_kinds_stay_on_the_event_channel()
    {
        var ended = await Ended(Runtime);
        var result = await RunOk(async ctx =>
        {
            ctx.Monitor(ended).ThrowIfFailed();           // noproc Exit, queued at once on the event channel
            ctx.Cancel(ctx.Self, "not routed").ThrowIfFailed();
            var messages = ctx.RouteEvents(null, ProcessEventKind.Exit).Value;
            ctx.Send(ctx.Self, "after", null).ThrowIfFailed(); // goes to the inbox: not routed
            var first = await messages.ReceiveAsync();
            var cancel = await ctx.Events().ReceiveAsync();
            var inbox = await ctx.Inbox().ReceiveAsync();
            return $"{first.Event?.Kind}:{first.Topic}:{first.From == ended}|{cancel.Kind}:{cancel.Reason}|{inbox.Topic}:{inbox.Event is null}|{messages.Count}";
        });
        Assert.Equal("Exit:pid.exit:True|Cancel:not routed|after:True|0", result);
    }

    [Fact]
    public async Task Routed_events_do_not_count_against_the_mailbox_limit()
    {
        var ended = await Ended(Runtime);
        var entry = Entry(async ctx =>
        {
            var messages = ctx.ListenMessages<int>("a", null).Value;
            ctx.RouteEvents(messages, ProcessEventKind.Exit).ThrowIfFailed();
            for (int i = 0; i < 5; i++) ctx.Monitor(ended).ThrowIfFailed(); // five noproc Exits wait in the channel
            var first = ctx.Send(ctx.Self, "a", 1);
            var second = ctx.Send(ctx.Self, "a", 2);
            var third = ctx.Send(ctx.Self, "a", 3); // the limit is 2 messages, events aside
            int events = 0, payloads = 0;
            for (int i = 0; i < 7; i++)
            {
                var m = await messages.ReceiveAsync();
                if (m.Event is not null) events++; else payloads++;
            }
            var afterwards = ctx.Send(ctx.Self, "a", 4); // the count went back to zero, not below
            return $"{first.Ok}|{second.Ok}|{third.Error}|{events}+{payloads}|{afterwards.Ok}";
        });
        var run = Runtime.Start(new SpawnOptions { MailboxLimit = 2 }, entry, Host).Value;
        var exit = await run.Exit.WaitAsync(Guard);
        Assert.Null(exit.Error);
        Assert.Equal($"True|True|mailbox full: {run.Pid} has 2 messages waiting to be received (its mailbox limit)|5+2|True", exit.Result);
    }

    [Fact]
    public async Task Unmonitor_removes_an_exit_already_routed()
    {
        var ended = await Ended(Runtime);
        var result = await RunOk(async ctx =>
        {
            var messages = ctx.RouteEvents(null, ProcessEventKind.Exit).Value;
            ctx.RouteInbox(messages).ThrowIfFailed();
            ctx.Monitor(ended).ThrowIfFailed();
            ctx.Unmonitor(ended).ThrowIfFailed();
            ctx.Send(ctx.Self, "marker", null).ThrowIfFailed();
            var first = await messages.ReceiveAsync();
            return $"{first.Topic}|{messages.Count}";
        });
        Assert.Equal("marker|0", result);
    }

    [Fact]
    public async Task Unlisten_of_a_topic_sharing_the_routed_channel_keeps_counting_it()
    {
        var entry = Entry(ctx =>
        {
            var messages = ctx.ListenMessages<int>("a", null).Value;
            ctx.RouteInbox(messages).ThrowIfFailed();
            ctx.Unlisten("a");
            var first = ctx.Send(ctx.Self, "a", 1);  // through the inbox route, into the same channel
            var second = ctx.Send(ctx.Self, "b", 2); // the limit is 1: still counted
            return ValueTask.FromResult<object?>($"{first.Ok}|{second.Error}|{messages.Count}");
        });
        var run = Runtime.Start(new SpawnOptions { MailboxLimit = 1 }, entry, Host).Value;
        var exit = await run.Exit.WaitAsync(Guard);
        Assert.Equal($"True|mailbox full: {run.Pid} has 1 messages waiting to be received (its mailbox limit)|1", exit.Result);
    }

    [Fact]
    public async Task A_call_to_a_topic_without_listener_is_answered_through_the_routed_inbox()
    {
        var server = Entry(async ctx =>
        {
            var messages = ctx.RouteInbox(null).Value;
            var call = await messages.ReceiveAsync();
            call.Reply($"answer to {call.Payload}").ThrowIfFailed();
            return null;
        });
        var result = await RunOk(async ctx =>
        {
            var target = ctx.Spawn(server, Host).Value;
            var answer = await ctx.CallAsync<string>(target, "ask", "x", Guard);
            return answer.Value;
        });
        Assert.Equal("answer to x", result);
    }

    [Fact]
    public async Task Routing_refuses_a_channel_of_another_kind_or_a_second_target()
    {
        var result = await RunOk(ctx =>
        {
            var bounded = ctx.RouteInbox(ctx.NewChannel<Message>(1));
            var first = ctx.RouteInbox(null).Value;
            var again = ctx.RouteInbox(first);
            var other = ctx.RouteInbox(ctx.ListenMessages("elsewhere"));
            var events = ctx.RouteEvents(null, ProcessEventKind.Exit).Value;
            var otherEvents = ctx.RouteEvents(first, ProcessEventKind.Cancel);
            var badKind = ctx.RouteEvents(events, (ProcessEventKind)7);
            return ValueTask.FromResult<object?>($"{bounded.Error}|{again.Ok}|{other.Error}|{otherEvents.Error}|{badKind.Error}");
        });
        Assert.Equal("the target channel must be an unbounded channel of this process|True|the inbox is already routed into another channel|" +
                     "events are already routed into another channel|unknown event kind 7", result);
    }
}
