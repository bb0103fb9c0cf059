namespace Typed.Processes.Tests;

/// <summary>
/// A number of one numeric type reaching a receiver that expects another (a Lua integer is a <see cref="long"/>) is
/// converted when the value survives exactly, and refused as a wrong payload when it would change.
/// </summary>
public class NumericPayloadTests : RuntimeTest
{
    public static TheoryData<object, Type, object?> Conversions => new()
    {
        { 42L, typeof(int), 42 },
        { -5L, typeof(short), (short)-5 },
        { 255L, typeof(byte), (byte)255 },
        { 3L, typeof(double), 3.0 },
        { 3L, typeof(int?), 3 },
        { 3.0, typeof(int), 3 },
        { 3.0, typeof(long), 3L },
        { 0.5, typeof(float), 0.5f },
        { 7, typeof(long), 7L },
        { 7L, typeof(decimal), 7m },
        { 2.5m, typeof(double), 2.5 },
        { ulong.MaxValue, typeof(decimal), (decimal)ulong.MaxValue },
        { 9007199254740992L, typeof(double), 9007199254740992.0 },
        // values that would change: not converted
        { 2147483648L, typeof(int), null },
        { -1L, typeof(uint), null },
        { 256L, typeof(byte), null },
        { 3.5, typeof(int), null },
        { double.NaN, typeof(long), null },
        { 1e300, typeof(long), null },
        { 9007199254740993L, typeof(double), null },
        { 0.1, typeof(float), null },
        { 16777217L, typeof(float), null },
        { ulong.MaxValue, typeof(long), null },
        { decimal.MaxValue, typeof(double), null }, // rounds to 2^96, above decimal.MaxValue: the check must not overflow
        { decimal.MinValue, typeof(float), null },
        // not numbers, or not numeric targets
        { "42", typeof(int), null },
        { 42L, typeof(string), null },
        { 1L, typeof(DayOfWeek), null },
        { 'a', typeof(int), null },
        { true, typeof(int), null },
    };

    [Theory]
    [MemberData(nameof(Conversions))]
    public void Converts_exactly_or_not_at_all(object value, Type target, object? expected)
    {
        var converted = NumericPayload.TryConvert(value, target, out var result);
        Assert.Equal(expected is not null, converted);
        Assert.Equal(expected, result);
        if (expected is not null) Assert.Equal(expected.GetType(), result!.GetType());
    }

    [Fact]
    public async Task A_long_reaches_an_int_contract_an_int_listener_an_int_reply_and_an_int_argument()
    {
        var got = new TaskCompletionSource<object?>();
        Runtime.Entries.Add(new CSharpEntry("test:typed", async ctx =>
        {
            var messages = ctx.ListenMessages<int>("n", null).Value;
            var m = await messages.ReceiveAsync();
            got.SetResult(m.Payload);
            var asArg = ctx.Arg<int>(0);
            var listener = ctx.Listen<double>("d");
            var d = await listener.ReceiveAsync();
            var call = await ctx.Inbox().ReceiveAsync();
            call.Reply(5L).ThrowIfFailed();
            return $"{asArg + 1} {d}";
        })
        {
            Topics = new TopicContract([new("n", typeof(int)), new("d", typeof(double))], acceptsOtherTopics: true),
        });
        var (pid, exited) = Runtime.Start("test:typed", Host, 41L).Value;
        Assert.True(Runtime.Send(pid, "n", 42L).Ok);
        Assert.Equal(42, Assert.IsType<int>(await got.Task.WaitAsync(Guard)));
        Assert.True(Runtime.Send(pid, "d", 3L).Ok);
        var reply = await Runtime.CallAsync<int>(pid, "ask", null, Guard);
        Assert.Equal(5, reply.Value);
        var exit = await exited.WaitAsync(Guard);
        Assert.Equal("42 3", exit.Result);
    }

    [Fact]
    public async Task A_long_that_does_not_fit_is_refused_to_the_sender_and_the_receiver_keeps_waiting_for_one_that_does()
    {
        var got = new TaskCompletionSource<int>();
        Runtime.Entries.Add(new CSharpEntry("test:small", async ctx =>
        {
            var messages = ctx.ListenMessages<int>("n", null).Value;
            got.SetResult((int)(await messages.ReceiveAsync()).Payload!);
            return null;
        })
        {
            Topics = new TopicContract([new("n", typeof(int))], acceptsOtherTopics: false),
        });
        var pid = Runtime.Spawn("test:small", Host).Value;
        var refused = Runtime.Send(pid, "n", 1L << 40);
        Assert.Contains("takes Int32, not Int64", refused.Error);
        Assert.True(Runtime.Send(pid, "n", 7L).Ok);
        Assert.Equal(7, await got.Task.WaitAsync(Guard));
    }

    [Fact]
    public async Task Waiting_messages_moved_to_a_typed_listener_are_converted_too()
    {
        var result = await RunOk(async ctx =>
        {
            ctx.Send(ctx.Self, "n", 12L).ThrowIfFailed();   // waits in the inbox: nobody listens yet
            var listener = ctx.Listen<int>("n");              // moves it, converted
            return await listener.ReceiveAsync();
        });
        Assert.Equal(12, Assert.IsType<int>(result));
    }
}

/// <summary>Review of issue 11: numeric conversion where the one dispatch channel meets the contract.</summary>
public class NumericDispatchTests : RuntimeTest
{
    [Fact]
    public async Task A_long_sent_before_a_dispatching_entry_listens_arrives_converted_to_the_contracts_int()
    {
        Runtime.Hosts.Add("app:single", workers: 1);
        Runtime.Entries.Add(new CSharpEntry("test:dispatching", async ctx =>
        {
            var messages = ctx.RouteInbox(null).Value;
            ctx.ListenMessages<int>("n", messages).ThrowIfFailed();
            var m = await messages.ReceiveAsync();
            return m.Payload?.GetType().Name;
        })
        {
            Topics = new TopicContract([new("n", typeof(int))], acceptsOtherTopics: false) { Dispatches = true },
        });
        var parent = Runtime.Start(Entry(async ctx =>
        {
            var child = ctx.SpawnMonitored("test:dispatching", "app:single").Value;
            ctx.Send(child, "n", 42L).ThrowIfFailed(); // before the child runs: routed by the contract, not a listener
            var exit = await ctx.Events().ReceiveAsync();
            return $"{exit.Result}{exit.Error}";
        }), "app:single").Value;
        var done = await parent.Exit.WaitAsync(Guard);
        Assert.Equal("Int32", done.Result);
    }
}
