namespace Typed.Processes.Tests;

/// <summary><see cref="MessageContext.ReplyReturned"/>: what a generated entry does with a call handler's returned value.</summary>
public class ReplyReturnedTests : RuntimeTest
{
    /// <summary>Handles one message as a generated dispatch does, answering it with <paramref name="value"/>'s result.</summary>
    private Pid Handler(Func<Message, object?> value, TaskCompletionSource<string>? handled = null) => Runtime.Spawn(Entry(async ctx =>
    {
        var handling = new MessageContext(ctx);
        while (true)
        {
            var message = await ctx.Inbox().ReceiveAsync();
            handling.Begin(message);
            handling.ReplyReturned(value(message));
            handled?.SetResult(message.Topic);
        }
    }), Host).Value;

    [Fact]
    public async Task The_returned_value_answers_the_call()
    {
        var server = Handler(m => (int)m.Payload! * 3);
        var reply = await Runtime.CallAsync<int>(server, "triple", 14, Guard);
        Assert.Equal(42, reply.Value);
    }

    [Fact]
    public async Task A_plain_send_drops_the_value_and_the_process_goes_on()
    {
        var handled = new TaskCompletionSource<string>();
        var server = Handler(m => 1, handled);
        Runtime.Send(server, "plain", null).ThrowIfFailed();
        Assert.Equal("plain", await handled.Task.WaitAsync(Guard));
        Assert.True(Runtime.IsAlive(server));
    }

    [Fact]
    public async Task A_call_the_handler_already_answered_drops_the_value()
    {
        var server = Handler(m => { m.Reply("first").ThrowIfFailed(); return "second"; });
        var reply = await Runtime.CallAsync<string>(server, "t", null, Guard);
        Assert.Equal("first", reply.Value);
        Assert.Equal("first", (await Runtime.CallAsync<string>(server, "t", null, Guard)).Value); // still alive and answering
    }

    [Fact]
    public async Task A_value_that_cannot_be_sent_ends_the_process_and_the_caller_gets_why_at_once()
    {
        var server = Handler(m => new List<int> { 1 });
        // A timeout the test never reaches: the failure comes through the call's observation of its target.
        var reply = await Runtime.CallAsync<List<int>>(server, "list", null, TimeSpan.FromMinutes(30)).AsTask().WaitAsync(Guard);
        Assert.Contains("failed before replying", reply.Error);
        Assert.Contains("the reply of 'list' cannot be sent", reply.Error);
        Assert.False(Runtime.IsAlive(server));
    }
}
