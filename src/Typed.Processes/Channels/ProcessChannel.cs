using Typed.Processes.Channels;

namespace Typed.Processes;

/// <summary>
/// A Go-style channel: unbuffered (a send waits for a receiver), buffered, or unbounded (topic, inbox and event
/// channels). Receiving blocks only the calling process, never a thread. <c>ProcessContext.Select</c> waits
/// on several channels at once and commits exactly one case. The untyped base of <see cref="ProcessChannel{T}"/>.
/// </summary>
public abstract class ProcessChannel
{
    private static long s_lastId;
    // Private: user code may lock a channel object it holds; that must not block the channel's operations.
    private readonly Lock _lock = new();
    private readonly int _capacity; // -1 = unbounded
    private RingBuffer<object?>? _buffer;
    private RingBuffer<(Waiter Waiter, int Index)>? _receivers;
    private RingBuffer<(Waiter Waiter, int Index, object? Value)>? _senders;
    private bool _closed;
    // A mailbox channel (inbox, topic listener, or a user channel that listeners deliver into): what it buffers counts
    // against its owner's mailbox limit (IChannelOwner.MailboxQueued), and what the owner takes out is released.
    private bool _mailbox;

    private protected ProcessChannel(int capacity, ChannelKind kind, IChannelOwner? owner)
    {
        if (capacity < -1) throw new ArgumentOutOfRangeException(nameof(capacity), "capacity must be 0 (unbuffered) or more");
        _capacity = capacity;
        Kind = kind;
        Owner = owner;
        Id = Interlocked.Increment(ref s_lastId);
        _mailbox = owner is not null && kind is ChannelKind.Inbox or ChannelKind.Topic;
    }

    /// <summary>Makes a channel of the owner a mailbox channel (a listener delivers into it).</summary>
    internal void CountAsMailbox()
    {
        if (Owner is null) return;
        lock (_lock)
        {
            if (_mailbox) return;
            _mailbox = true;
            // What it already holds was sent by the owner itself, not routed: count it, so that receiving it balances.
            if (_buffer is { Count: > 0 } b)
            {
                int counted = 0;
                for (int i = 0; i < b.Count; i++) if (Counted(b[i])) counted++;
                if (counted > 0) Owner.MailboxQueued(counted);
            }
        }
    }

    /// <summary>
    /// The channel no longer receives routed messages (its topic was unlistened and no other listener delivers into
    /// it): what it still holds stays for the owner to take, but leaves the mailbox count and is released, as a
    /// receive would. Without this, messages left in a channel the process dropped after unlisten counted against
    /// its mailbox limit (and a Lua process's queued bytes) for ever: a process that kept receiving its inbox got
    /// "mailbox full" for every later send.
    /// </summary>
    internal void StopCountingAsMailbox()
    {
        if (Owner is null) return;
        lock (_lock)
        {
            if (!_mailbox) return;
            _mailbox = false;
            if (_buffer is not { Count: > 0 } b) return;
            for (int i = 0; i < b.Count; i++)
                if (Counted(b[i])) Owner.MailboxTaken(b[i], buffered: true);
        }
    }

    /// <summary>
    /// False for an event routed into a mailbox channel (a <see cref="Message"/> whose <see cref="Message.Event"/> is set,
    /// see <c>ProcessContext.RouteEvents</c>): events are never counted against the mailbox limit, wherever they wait.
    /// </summary>
    private static bool Counted(object? value) => value is not Message { Event: not null };

    internal long Id { get; }

    internal IChannelOwner? Owner { get; }

    /// <summary>What the channel is for.</summary>
    public ChannelKind Kind { get; }

    /// <summary>The buffer size: 0 for unbuffered, -1 for unbounded.</summary>
    public int Capacity => _capacity;

    /// <summary>True once closed (values still buffered can be received).</summary>
    public bool IsClosed { get { lock (_lock) return _closed; } }

    /// <summary>Number of values buffered now.</summary>
    public int Count { get { lock (_lock) return _buffer?.Count ?? 0; } }

    /// <summary>
    /// Closes the channel: receivers drain what is buffered, then get "closed"; senders get an error. Only channels
    /// created by user code can be closed; closing a topic, inbox, events or timer channel is refused.
    /// </summary>
    public Result Close()
    {
        if (Kind != ChannelKind.Local)
            return Result.Failure($"cannot close the process's own {Kind.ToString().ToLowerInvariant()} channel");
        CloseCore();
        return Result.Success;
    }

    internal void CloseCore()
    {
        lock (_lock)
        {
            if (_closed) return;
            _closed = true;
            if (_receivers is not null)
                while (_receivers.Count > 0)
                {
                    var (w, i) = _receivers.Dequeue();
                    if (w.TryClaim()) w.Complete(i, null, false);
                }
            if (_senders is not null)
                while (_senders.Count > 0)
                {
                    var (w, i, _) = _senders.Dequeue();
                    if (w.TryClaim()) w.Complete(i, null, false);
                }
        }
    }

    // ---- operations under the lock ------------------------------------------------------------------------

    private bool HasRoom => _capacity < 0 || (_buffer?.Count ?? 0) < _capacity;

    /// <summary>Receive if ready. Ready means a value (ok) or closed-and-drained (not ok). Lock held.</summary>
    private bool ReceiveLocked(out object? value, out bool ok)
    {
        if (_buffer is { Count: > 0 })
        {
            value = _buffer.Dequeue();
            ok = true;
            if (_mailbox && Counted(value)) Owner!.MailboxTaken(value, buffered: true);
            // A slot freed: move a blocked sender's value in.
            while (_senders is { Count: > 0 } && HasRoom)
            {
                var (w, i, v) = _senders.Dequeue();
                if (!w.TryClaim()) continue;
                _buffer.Enqueue(v);
                w.Complete(i, null, true);
            }
            return true;
        }
        while (_senders is { Count: > 0 })
        {
            var (w, i, v) = _senders.Dequeue();
            if (!w.TryClaim()) continue;
            w.Complete(i, null, true);
            value = v;
            ok = true;
            return true;
        }
        value = null;
        ok = false;
        return _closed;
    }

    /// <summary>Send if possible: 1 sent, 0 would block, -1 closed. Lock held.</summary>
    private int SendLocked(object? value)
    {
        if (_closed) return -1;
        while (_receivers is { Count: > 0 })
        {
            var (w, i) = _receivers.Dequeue();
            if (!w.TryClaim()) continue;
            if (_mailbox && Counted(value)) Owner!.MailboxTaken(value, buffered: false);
            w.Complete(i, value, true);
            return 1;
        }
        if (!HasRoom) return 0;
        (_buffer ??= new RingBuffer<object?>(_capacity is > 0 and < 4 ? _capacity : 4)).Enqueue(value);
        if (_mailbox && Counted(value)) Owner!.MailboxQueued(1);
        return 1;
    }

    // ---- single operations ---------------------------------------------------------------------------------

    internal bool TryReceiveBoxed(out object? value, out bool ok)
    {
        lock (_lock) return ReceiveLocked(out value, out ok);
    }

    /// <summary>1 sent, 0 would block, -1 closed.</summary>
    internal int TrySendBoxed(object? value)
    {
        lock (_lock) return SendLocked(value);
    }

    /// <summary>Receive, or queue <paramref name="waiter"/>. True if it completed at once (the waiter is then claimed and completed).</summary>
    internal bool ReceiveOrWait(Waiter waiter)
    {
        lock (_lock)
        {
            if (ReceiveLocked(out var value, out var ok))
            {
                waiter.TryClaim();
                waiter.Complete(0, value, ok);
                return true;
            }
            (_receivers ??= new RingBuffer<(Waiter, int)>(2)).Enqueue((waiter, 0));
            waiter.AddRegistration(this);
            return false;
        }
    }

    /// <summary>Send, or queue <paramref name="waiter"/> with the value. True if it completed at once.</summary>
    internal bool SendOrWait(Waiter waiter, object? value)
    {
        lock (_lock)
        {
            var r = SendLocked(value);
            if (r != 0)
            {
                waiter.TryClaim();
                waiter.Complete(0, null, r > 0);
                return true;
            }
            (_senders ??= new RingBuffer<(Waiter, int, object?)>(2)).Enqueue((waiter, 0, value));
            waiter.AddRegistration(this);
            return false;
        }
    }

    internal void Unregister(Waiter waiter)
    {
        lock (_lock)
        {
            if (_receivers is { Count: > 0 }) _receivers.RemoveAll(waiter, static (e, w) => ReferenceEquals(e.Waiter, w));
            if (_senders is { Count: > 0 }) _senders.RemoveAll(waiter, static (e, w) => ReferenceEquals(e.Waiter, w));
        }
    }

    /// <summary>
    /// Called where process code takes <paramref name="value"/> out of this channel (a receive or a select, on the
    /// receiver's thread and in its execution context): the value as the code sees it. A message queued with telemetry
    /// (<see cref="Message.Trace"/>, or a <see cref="Telemetry.MessageTrace"/> standing in for a payload) records its
    /// receive for the owning process (<see cref="Telemetry.ProcessTelemetry.Received"/>: the receive latency, and the
    /// receive span made current). Two type checks when nobody listens.
    /// </summary>
    internal object? Taken(object? value)
    {
        if (value is Telemetry.MessageTrace stand)
        {
            if (Owner is ProcessCore p) Telemetry.ProcessTelemetry.Received(p, stand);
            return stand.Payload;
        }
        if (value is Message { Trace: { } trace } message)
        {
            message.Trace = null; // once: a message the code passes on through a channel of its own is not received again
            if (Owner is ProcessCore p) Telemetry.ProcessTelemetry.Received(p, trace);
        }
        return value;
    }

    /// <summary>Removes buffered values matching <paramref name="match"/> (mailbox re-routing, event purge).</summary>
    internal int RemoveBuffered(Func<object?, bool> match, Action<object?>? removed = null)
    {
        lock (_lock)
        {
            if (_buffer is not { Count: > 0 } buffer) return 0;
            if (!_mailbox) return buffer.RemoveAll(match, removed);
            int counted = 0;
            var n = buffer.RemoveAll(v =>
            {
                if (!match(v)) return false;
                if (Counted(v)) counted++;
                return true;
            }, removed);
            if (counted > 0) Owner!.MailboxQueued(-counted); // moved or dropped by the caller
            return n;
        }
    }

    // ---- select --------------------------------------------------------------------------------------------

    /// <summary>
    /// Polls the cases in order with every channel locked; if none is ready and <paramref name="waiter"/> is given,
    /// queues it on every channel. Returns the index of the case that completed now, or -1.
    /// </summary>
    internal static int SelectCore(ReadOnlySpan<SelectCase> cases, Waiter? waiter, out object? value, out bool ok)
    {
        var channels = new ProcessChannel[cases.Length];
        for (int i = 0; i < cases.Length; i++) channels[i] = cases[i].Channel ?? throw new ArgumentException($"select case {i + 1} is empty");
        Array.Sort(channels, static (a, b) => a.Id.CompareTo(b.Id));
        int locked = 0;
        try
        {
            for (; locked < channels.Length; locked++) channels[locked]._lock.Enter();
            for (int i = 0; i < cases.Length; i++)
            {
                var c = cases[i];
                if (c.IsSend)
                {
                    var r = c.Channel!.SendLocked(c.Value);
                    if (r != 0) { value = null; ok = r > 0; return i; }
                }
                else if (c.Channel!.ReceiveLocked(out value, out ok)) return i;
            }
            value = null;
            ok = false;
            if (waiter is null) return -1;
            for (int i = 0; i < cases.Length; i++)
            {
                var c = cases[i];
                if (c.IsSend) (c.Channel!._senders ??= new(2)).Enqueue((waiter, i, c.Value));
                else (c.Channel!._receivers ??= new(2)).Enqueue((waiter, i));
                waiter.AddRegistration(c.Channel);
            }
            return -1;
        }
        finally
        {
            for (int i = locked - 1; i >= 0; i--) channels[i]._lock.Exit();
        }
    }
}
