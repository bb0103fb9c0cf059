using Typed.Processes.Channels;

namespace Typed.Processes;

/// <summary>
/// One request/reply in flight (<c>CallAsync</c>,
/// Lua's <c>process.call</c>). The call object itself is the correlation: the request message carries its
/// <see cref="ReplyHandle"/>, so a reply can only reach this call and concurrent calls never mix. The first of reply,
/// target exit (the call observes the target as a monitor does, without an Exit event), timeout or the caller giving up
/// settles it; the outcome goes into <see cref="Outcome"/>, a one-slot channel of the caller that no one else can
/// reach (never the caller's mailbox), and everything later is dropped. <see cref="End"/> (the caller, once it stops
/// waiting, or the caller's exit) detaches it from the target, the timer and the caller's table.
/// </summary>
internal sealed class Call : LongTimer, IExitObserver
{
    private const int Pending = 0, Replied = 1, Failed = 2;
    private int _state;
    private string? _error;
    private ProcessCore? _target;
    private readonly ProcessCore? _caller;
    private readonly string _topic;
    private readonly TimeSpan _timeout;

    private Call(ProcessCore? caller, string topic, TimeSpan timeout)
    {
        _caller = caller;
        _topic = topic;
        _timeout = timeout;
        Outcome = new ProcessChannel<object?>(1, ChannelKind.Timer, caller);
        Handle = new ReplyHandle(this);
    }

    /// <summary>Receives the reply value once settled (null when it failed: see <see cref="Error"/>).</summary>
    public ProcessChannel<object?> Outcome { get; }

    /// <summary>What the request message carries.</summary>
    public ReplyHandle Handle { get; }

    /// <summary>Why the call failed; read after receiving from <see cref="Outcome"/> (null: it was answered).</summary>
    public string? Error => Volatile.Read(ref _error);

    internal Pid? CallerPid => _caller?.Pid;

    internal ProcessCore? Caller => _caller;

    internal bool IsOpen => Volatile.Read(ref _state) == Pending;

    /// <summary>The replier's trace context when it answered (set only while the activity source has listeners): the
    /// caller's call span links to it (<see cref="Telemetry.ProcessTelemetry.LinkReply"/>).</summary>
    internal System.Diagnostics.ActivityContext? Replier;

    /// <summary>Sends the request; the call is ended again when it cannot be sent.</summary>
    internal static Result<Call> Start(ProcessCore? caller, Result<Target> to, string topic, object? payload, TimeSpan timeout)
    {
        if (timeout <= TimeSpan.Zero) return Result<Call>.Failure("call: the timeout must be positive");
        var call = new Call(caller, topic ?? "", timeout);
        var sent = ProcessRuntime.SendCore(caller, to, topic!, payload, call);
        if (sent.Ok) return Result<Call>.Success(call);
        call.End();
        return Result<Call>.Failure(sent.Error);
    }

    /// <summary>Ties the call to its target before the request is delivered (SendCore): null, or why it cannot be made.</summary>
    internal string? Attach(ProcessCore target)
    {
        if (ReferenceEquals(target, _caller))
            return "a process cannot call itself: it would wait for a reply only it can give";
        _target = target;
        if (_caller is not null && !_caller.AddCall(this)) return "the calling process is not alive";
        if (!target.AddMonitor(this)) return ProcessRuntime.ProcessNotFound(target.Pid);
        Arm(target.Runtime.Time, _timeout);
        return null;
    }

    /// <summary>Settles the call once: true if this settled it.</summary>
    internal bool TrySettle(object? value, string? error)
    {
        if (Interlocked.CompareExchange(ref _state, error is null ? Replied : Failed, Pending) != Pending) return false;
        Volatile.Write(ref _error, error);
        Outcome.TrySendBoxed(value); // one slot, one send: never blocks; the receive orders the read of Error after it
        return true;
    }

    /// <summary>Why a reply can no longer be given.</summary>
    internal string Closed() => Volatile.Read(ref _state) == Replied
        ? "the call was already answered"
        : $"the caller no longer waits for this reply ({Error})";

    // Under the target's gate: settle only (End takes the target's gate, later, on the caller's side).
    void IExitObserver.OnExit(ProcessCore process, ExitInfo exit) =>
        TrySettle(null, exit.Error is { } e ? $"{process.Pid} failed before replying: {e}" : $"{process.Pid} ended before replying");

    protected override void OnDue() =>
        TrySettle(null, $"call timed out: {_target?.Pid} did not answer '{_topic}' within {_timeout.TotalMilliseconds:0}ms");

    /// <summary>Stops waiting: a later reply is dropped; detaches the call from its target, timer and caller. Idempotent.</summary>
    internal void End()
    {
        TrySettle(null, "the caller stopped waiting");
        Stop();
        _target?.RemoveMonitor(this);
        _caller?.RemoveCall(this);
    }
}
