using System.Threading.Tasks.Sources;
using Typed.Processes.Channels;

namespace Typed.Processes;

/// <summary>A waiter resumed through a <see cref="ValueTask"/> (C# code, inside or outside a process).</summary>
internal abstract class AsyncWaiter : Waiter
{
    private protected ManualResetValueTaskSourceCore<bool> _core;
    private CancellationToken _cancellation;
    private CancellationTokenRegistration _registration;

    protected AsyncWaiter(IWaitOwner? owner, CancellationToken cancellation)
    {
        Owner = owner;
        _cancellation = cancellation;
        _core.RunContinuationsAsynchronously = true;
    }

    /// <summary>Ties the wait to the owner's life and the caller's token. Call before queuing.</summary>
    public void Begin()
    {
        Owner?.BeginWait(this);
        if (_cancellation.CanBeCanceled)
            _registration = _cancellation.UnsafeRegister(static s => ((AsyncWaiter)s!).TryAbort(CancelledReason), this);
    }

    internal const string CancelledReason = "\u0001cancelled";

    /// <summary>Prepares a waiter that finished normally (and was unregistered) for another wait.</summary>
    private protected void ResetAsync(CancellationToken cancellation)
    {
        ResetWaiter();
        _registration = default;
        _cancellation = cancellation;
        _core.Reset();
    }

    protected override void Wake() => _core.SetResult(true);

    private protected void Finish(short token)
    {
        _core.GetResult(token);
        _registration.Dispose();
        Owner?.EndWait(this);
        UnregisterAll();
        if (AbortReason is { } reason)
        {
            if (reason == CancelledReason) throw new OperationCanceledException(_cancellation);
            throw new ProcessTerminatedException(reason);
        }
    }

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    private Action<object?>? _continuation;
    private object? _continuationState;
    private Typed.Processes.Hosting.HostScheduler? _postTo;

    private static readonly Action<object?> ScheduleContinuation = static s =>
    {
        var w = (AsyncWaiter)s!;
        w._postTo!.Schedule(w);
    };

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
    {
        // Awaited on a host's worker (process code): the waiter itself is the work item that resumes the
        // awaiting code on that host, instead of SynchronizationContext.Post (a tuple and a callback object).
        if ((flags & ValueTaskSourceOnCompletedFlags.UseSchedulingContext) != 0 &&
            SynchronizationContext.Current is Typed.Processes.Hosting.HostSynchronizationContext host)
        {
            _continuation = continuation;
            _continuationState = state;
            _postTo = host.Scheduler;
            _core.RunContinuationsAsynchronously = false; // ScheduleContinuation only queues: safe to run inline from Wake
            _core.OnCompleted(ScheduleContinuation, this, token, flags & ~ValueTaskSourceOnCompletedFlags.UseSchedulingContext);
            return;
        }
        _core.RunContinuationsAsynchronously = true;
        _core.OnCompleted(continuation, state, token, flags);
    }

    internal override bool PrefersLocal => true;

    public override void Execute()
    {
        var continuation = _continuation!;
        var state = _continuationState;
        _continuation = null;
        _continuationState = null;
        _postTo = null;
        if (Owner is ProcessCore process) process.RunSlices++; // a resumption of its code (introspection)
        continuation(state);
    }

    public short Version => _core.Version;
}
