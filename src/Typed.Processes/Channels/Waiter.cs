using Typed.Processes;
namespace Typed.Processes.Channels;

/// <summary>
/// One blocked operation: a receive, a send, or a whole select over several cases. Channels hold it in their
/// wait queues; the first counterpart that claims it (<see cref="TryClaim"/>) completes it, every other queue
/// entry is then stale and skipped. Subclasses decide how the owner is resumed (an awaiting C# continuation, or
/// a Lua coroutine scheduled on its host).
/// </summary>
internal abstract class Waiter : Typed.Processes.Hosting.HostWorkItem
{
    /// <summary>Async waiters run their owner's continuation as a host work item (no extra allocation).</summary>
    public override void Execute() => throw new InvalidOperationException("this waiter is not a work item");

    private int _state; // 0 = waiting, 1 = claimed
    private ProcessChannel? _single;
    private List<ProcessChannel>? _many;

    /// <summary>The process that blocks (null outside any process).</summary>
    public IWaitOwner? Owner { get; init; }

    /// <summary>Index of the case that completed.</summary>
    public int CaseIndex { get; private set; } = -1;

    /// <summary>The received value (receive cases).</summary>
    public object? Value { get; private set; }

    /// <summary>False if the channel was closed (receive: drained and closed; send: closed).</summary>
    public bool Ok { get; private set; }

    /// <summary>Set when the owner was terminated while blocked.</summary>
    public string? AbortReason { get; private set; }

    public bool IsClaimed => Volatile.Read(ref _state) != 0;

    public bool TryClaim() => Interlocked.CompareExchange(ref _state, 1, 0) == 0;

    /// <summary>Records the outcome (after a successful claim) and resumes the owner.</summary>
    public void Complete(int caseIndex, object? value, bool ok)
    {
        CaseIndex = caseIndex;
        Value = value;
        Ok = ok;
        Wake();
    }

    /// <summary>Ends the wait because the owner was terminated; true if this call ended it.</summary>
    public bool TryAbort(string reason)
    {
        if (!TryClaim()) return false;
        AbortReason = reason;
        Wake();
        return true;
    }

    /// <summary>Makes a finished, unregistered waiter reusable for a new wait by the same owner.</summary>
    private protected void ResetWaiter()
    {
        CaseIndex = -1;
        Value = null;
        Ok = false;
        AbortReason = null;
        _single = null;
        _many = null;
        Volatile.Write(ref _state, 0);
    }

    /// <summary>Resumes the owner. Must not run the owner's code inline (it may be called under a channel lock).</summary>
    protected abstract void Wake();

    internal void AddRegistration(ProcessChannel channel)
    {
        if (_single is null && _many is null) _single = channel;
        else (_many ??= [_single!]).Add(channel);
    }

    /// <summary>Removes this waiter from every channel it was queued on. Called by the owner once resumed.</summary>
    public void UnregisterAll()
    {
        if (_many is not null)
        {
            foreach (var c in _many) c.Unregister(this);
            _many = null;
        }
        else _single?.Unregister(this);
        _single = null;
    }
}
