namespace Typed.Processes.Tests;

/// <summary>Issue 8, item 9: every process has a mailbox limit; beyond it a send fails and nothing queued is lost.</summary>
public class MailboxTests : RuntimeTest
{
    private static bool Full(Result r) => !r.Ok && r.Error!.StartsWith("mailbox full", StringComparison.Ordinal);

    [Fact]
    public async Task Beyond_the_limit_send_fails_nothing_queued_is_lost_and_events_still_arrive()
    {
        var entry = Entry(async ctx =>
        {
            var x = ctx.Listen<int>("x");
            var e = await ctx.Events().ReceiveAsync(); // a Cancel event, sent when the mailbox is full
            var got = new List<int>();
            while (x.TryReceive(out var v)) got.Add(v);
            return $"{e.Kind}|{string.Join(",", got)}";
        });
        var (pid, exit) = Runtime.Start(new SpawnOptions { MailboxLimit = 10 }, entry, Host).Value;
        for (int i = 1; i <= 10; i++) Runtime.Send(pid, "x", i).ThrowIfFailed();
        var refused = Runtime.Send(pid, "x", 11);
        Assert.True(Full(refused), refused.Error);
        Assert.Contains($"{pid} has 10 messages waiting", refused.Error);
        Assert.True(Full(Runtime.Send(pid, "other", 1))); // the inbox counts too
        Runtime.Cancel(pid, TimeSpan.FromMinutes(1)).ThrowIfFailed(); // events are never refused
        Assert.Equal("Cancel|1,2,3,4,5,6,7,8,9,10", (await exit.WaitAsync(Guard)).Result);
    }

    [Fact]
    public async Task Receiving_frees_room_from_topic_channels_the_inbox_and_select_and_moved_messages_keep_their_count()
    {
        var entry = Entry(async ctx =>
        {
            var log = new List<string>();
            void Try(string topic, int v)
            {
                var r = ctx.Send(ctx.Self, topic, v);
                log.Add(r.Ok ? $"{v}" : Full(r) ? "full" : r.Error!);
            }
            var x = ctx.Listen<int>("x");
            Try("x", 1); Try("x", 2); Try("y", 3); Try("x", 4);       // 1 2 3(inbox) full
            x.TryReceive(out _); Try("x", 5); Try("x", 6);            // room for one: 5 full
            ctx.TrySelect(x.CaseReceive()); Try("x", 7);              // a select receive frees room: 7
            ctx.Inbox().TryReceive(out _); Try("y", 8);               // the inbox frees room: 8 (inbox)
            var y = ctx.Listen<int>("y"); Try("x", 9);                // 8 moved to the new listener: still counted, full
            await y.ReceiveAsync(); Try("x", 10);                     // received from the listener: 10
            var rest = new List<int>();
            while (x.TryReceive(out var v)) rest.Add(v);
            return string.Join(" ", log) + " | " + string.Join(",", rest);
        });
        var (_, exit) = Runtime.Start(new SpawnOptions { MailboxLimit = 3 }, entry, Host).Value;
        Assert.Equal("1 2 3 full 5 full 7 8 full 10 | 5,7,10", (await exit.WaitAsync(Guard)).Result);
    }

    [Fact]
    public async Task The_limit_comes_from_the_host_unless_the_spawn_sets_one()
    {
        var small = Runtime.Hosts.Add("app:small", new HostOptions { Workers = 1, MailboxLimit = 2 });
        Assert.Equal(2, small.MailboxLimit);
        Assert.True(Runtime.Hosts.TryGet(Host, out var normal));
        Assert.Equal(HostOptions.DefaultMailboxLimit, normal.MailboxLimit);
        var fill = Entry(ctx =>
        {
            int n = 0;
            while (n < 1000 && ctx.Send(ctx.Self, "x", n).Ok) n++;
            return ValueTask.FromResult<object?>(n);
        });
        Assert.Equal(2, (await Runtime.RunAsync(fill, "app:small").WaitAsync(Guard)).Result);
        Assert.Equal(5, (await Runtime.Start(new SpawnOptions { MailboxLimit = 5 }, fill, "app:small").Value.Exit.WaitAsync(Guard)).Result);
        Assert.Equal(1000, (await Runtime.RunAsync(fill, Host).WaitAsync(Guard)).Result);
        var child = await RunOk(async ctx =>
        {
            var pid = ctx.SpawnMonitored(new SpawnOptions { MailboxLimit = 4 }, fill, "app:small").Value;
            return (await ctx.Events().ReceiveAsync()).Result;
        });
        Assert.Equal(4, child);

        Assert.Equal("the mailbox limit must be positive (0: the host's)", Runtime.Spawn(new SpawnOptions { MailboxLimit = -1 }, fill, Host).Error);
        Assert.Throws<ArgumentOutOfRangeException>(() => Runtime.Hosts.Add("app:bad", new HostOptions { MailboxLimit = -5 }));
    }

    [Fact]
    public async Task Exit_and_link_down_events_arrive_when_the_mailbox_is_full()
    {
        var quick = Entry(_ => ValueTask.FromResult<object?>("done"));
        var failing = Entry(_ => throw new ProcessException("boom"));
        var entry = Entry(async ctx =>
        {
            ctx.SetOptions(new ProcessOptions { TrapLinks = true }).ThrowIfFailed();
            ctx.Send(ctx.Self, "x", 1).ThrowIfFailed();
            var full = Full(ctx.Send(ctx.Self, "x", 2));
            ctx.SpawnMonitored(quick, Host).ThrowIfFailed();
            ctx.SpawnLinked(failing, Host).ThrowIfFailed();
            var kinds = new SortedSet<string>();
            for (int i = 0; i < 2; i++) kinds.Add((await ctx.Events().ReceiveAsync()).Kind.ToString());
            return $"{full}|{string.Join(",", kinds)}";
        });
        var (_, exit) = Runtime.Start(new SpawnOptions { MailboxLimit = 1 }, entry, Host).Value;
        Assert.Equal("True|Exit,LinkDown", (await exit.WaitAsync(Guard)).Result);
    }

    /// <summary>A binding's view of the mailbox hooks: counts queued payload bytes against a budget (as the Lua binding
    /// does against its memory ceiling). Runs no code; the test receives from its channels directly.</summary>
    private sealed class BudgetProcess : ProcessCore
    {
        public BudgetProcess(ProcessRuntime runtime, ProcessHost host, Pid pid) : base(runtime, host, pid, []) => MailboxHooks = true;

        public int Budget = 10;
        public int Reserved;

        public override void Execute() { }

        internal override string? OnMessageQueuing(object? payload)
        {
            var n = ((string)payload!).Length;
            if (Reserved + n > Budget) return $"not enough memory for a {n}-byte message";
            Interlocked.Add(ref Reserved, n);
            return null;
        }

        internal override void OnMessageReleased(object? payload) => Interlocked.Add(ref Reserved, -((string)payload!).Length);
    }

    private sealed class BudgetEntry(string reference) : EntryDefinition(reference)
    {
        public BudgetProcess? Last;
        public override string Kind => "test.budget";

        internal override Result<ProcessCore> CreateProcess(ProcessRuntime runtime, ProcessHost host, Pid pid, object?[] args) =>
            Result<ProcessCore>.Success(Last = new BudgetProcess(runtime, host, pid));
    }

    [Fact]
    public void Binding_hooks_reserve_on_queue_refuse_with_the_bindings_error_and_release_on_receive_or_drop()
    {
        var entry = new BudgetEntry("test:budget");
        Runtime.Entries.Add(entry);
        var pid = Runtime.Spawn(entry.Reference, Host).Value;
        var p = entry.Last!;
        Runtime.Send(pid, "a", "abcd").ThrowIfFailed();
        Runtime.Send(pid, "b", "efgh").ThrowIfFailed();
        Assert.Equal("not enough memory for a 3-byte message", Runtime.Send(pid, "a", "ijk").Error);
        Assert.Equal((8, 2), (p.Reserved, p.Queued));
        Assert.True(p.Inbox().TryReceive(out var first));
        Assert.Equal(("abcd", 4, 1), ((string)first.Payload!, p.Reserved, p.Queued));
        Runtime.Send(pid, "a", "ijk").ThrowIfFailed();
        // Moving to a listener keeps the reservation; a listener that does not take the payload drops it (released).
        var ints = (ProcessChannel<int>)p.Listen("a", new PayloadListener<int>(new ProcessChannel<int>(-1, ChannelKind.Topic, p))).Value;
        Assert.Equal((4, 1, 0), (p.Reserved, p.Queued, ints.Count));
        var strings = (ProcessChannel<string>)p.Listen("b", new PayloadListener<string>(new ProcessChannel<string>(-1, ChannelKind.Topic, p))).Value;
        Assert.Equal((4, 1), (p.Reserved, p.Queued));
        Assert.True(strings.TryReceive(out var efgh));
        Assert.Equal(("efgh", 0, 0), (efgh, p.Reserved, p.Queued));
    }
}
