using Typed.Processes;

[assembly: ProcessHost("app:e2e", Workers = 2)]

namespace Typed.Processes.EndToEnd;

/// <summary>The request of the example.</summary>
public sealed record EchoRequest(string Text);

/// <summary>The example, verbatim in shape: two topics and an inbox.</summary>
[ProcessEntry("app.workers:echo")]
public partial class EchoWorker
{
    private int _others;

    [Topic("echo")]
    Task OnEcho(EchoRequest req, MessageContext ctx)
    {
        ctx.Reply("echoed", req.Text);
        return Task.CompletedTask;
    }

    [Topic("stop")]
    void OnStop(MessageContext ctx) => ctx.Stop($"stopped after {_others} other message(s)");

    // The generated loop reads the topics and the inbox from one channel, so this runs before a "stop" sent after it.
    [Inbox]
    void OnOther(Message msg, MessageContext ctx)
    {
        _others++;
        ctx.Reply("other-seen", msg.Topic);
    }
}

/// <summary>A typed main: arguments in, result out (the Exit event's result).</summary>
[ProcessEntry("app.math:adder")]
public partial class Adder
{
    [ProcessMain]
    public async Task<long> Main(long a, long b)
    {
        await Task.Yield();
        return a + b;
    }
}

/// <summary>Takes plain payloads, so Lua processes can talk to it; no inbox, so other topics are refused.</summary>
[ProcessEntry("app.workers:greeter")]
public partial class Greeter(ProcessContext process)
{
    private int _greeted;

    [ProcessMain]
    void Start(string greeting) => Greeting = greeting;

    private string Greeting { get; set; } = "";

    [Topic("greet")]
    void OnGreet(string name, MessageContext ctx)
    {
        _greeted++;
        ctx.Reply("greeting", $"{Greeting}, {name} (from {process.Self.Entry})");
    }

    [Topic("stop")]
    void OnStop(MessageContext ctx) => ctx.Stop(_greeted);
}
