using Typed.Processes;

namespace Typed.Processes.EndToEnd;

/// <summary>Sends its result to the coordinator, then ends: the coordinator must handle the result before the Exit.</summary>
[ProcessEntry("app.jobs:result-worker")]
public partial class ResultWorker
{
    [ProcessMain]
    void Main(ProcessContext context, Pid coordinator, long n) =>
        context.SendResult(new Pid<Coordinator>(coordinator), n * 10).ThrowIfFailed();
}

/// <summary>A coordinator without a hand-written select loop: monitored workers, their results, their exits.</summary>
[ProcessEntry("app.jobs:coordinator")]
public partial class Coordinator
{
    private readonly Dictionary<Pid, long> _results = [];
    private int _workers, _exits, _early, _failed;

    [ProcessMain]
    void Start(ProcessContext context, int workers)
    {
        _workers = workers;
        for (int i = 0; i < workers; i++) ResultWorker.SpawnMonitored(context, ProcessReferences.Hosts.AppE2e, context.Self, i).ThrowIfFailed();
    }

    [Topic("result")]
    void OnResult(long value, MessageContext ctx) => _results[ctx.From!] = value;

    [OnExit]
    void OnWorkerExit(Pid pid, object? result, string? error, MessageContext ctx)
    {
        if (!_results.ContainsKey(pid)) _early++;
        if (error is not null) _failed++;
        if (++_exits == _workers)
            ctx.Stop($"{_results.Count} results, sum {_results.Values.Sum()}, {_early} exits before their result, {_failed} failed");
    }
}

/// <summary>Stops when asked without a deadline; with one, reports when its deadline token fires.</summary>
[ProcessEntry("app.jobs:graceful")]
public partial class Graceful
{
    [OnCancel]
    async Task OnCancel(string reason, DateTimeOffset? deadline, Pid from, MessageContext ctx, CancellationToken deadlineToken)
    {
        if (deadline is null)
        {
            ctx.Stop($"stopped: {reason}");
            return;
        }
        ctx.Process.Send(from, "cancel-seen", reason).ThrowIfFailed();
        // The runtime terminates this process at the deadline; the token fires then. Sent from outside any process,
        // since by then this one has ended.
        var runtime = ctx.Process.Runtime;
        deadlineToken.Register(() => runtime.Send(from, "deadline-fired", reason));
        try { await Task.Delay(Timeout.Infinite, deadlineToken); }
        catch (OperationCanceledException) { } // the deadline: wrap up; the runtime terminates the process now
    }
}

/// <summary>Fails at once.</summary>
[ProcessEntry("app.jobs:crasher")]
public partial class Crasher
{
    [ProcessMain]
    void Main() => throw new InvalidOperationException("boom");
}

/// <summary>Links to a crashing child; its [OnLinkDown] handler makes it trap links, so it survives and reports.</summary>
[ProcessEntry("app.jobs:supervisor")]
public partial class Supervisor
{
    private Pid? _child;

    [ProcessMain]
    void Start(ProcessContext context) => _child = Crasher.SpawnLinked(context, ProcessReferences.Hosts.AppE2e).Value;

    [OnLinkDown]
    void OnLinkDown(Pid pid, string? error, MessageContext ctx) => ctx.Stop($"{pid == _child}: {error}");
}

/// <summary>A handler that asks for a CancellationToken: it is cancelled when the process is terminated.</summary>
[ProcessEntry("app.jobs:sleeper")]
public partial class Sleeper
{
    [Topic("wait")]
    async Task OnWait(Pid observer, MessageContext ctx, CancellationToken aborted)
    {
        var runtime = ctx.Process.Runtime;
        aborted.Register(() => runtime.Send(observer, "aborted", "yes"));
        ctx.Reply("waiting", "yes").ThrowIfFailed();
        await Task.Delay(Timeout.Infinite, aborted);
    }
}

/// <summary>Records the order in which it handles a topic and the inbox.</summary>
[ProcessEntry("app.jobs:recorder")]
public partial class Recorder
{
    private readonly List<string> _seen = [];

    [Topic("listed")]
    void OnListed(int n) => _seen.Add($"listed:{n}");

    [Topic("done")]
    void OnDone(MessageContext ctx) => ctx.Stop(string.Join(",", _seen));

    [Inbox]
    void OnOther(Message message) => _seen.Add($"{message.Topic}:{message.Payload}");
}
