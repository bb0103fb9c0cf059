using Typed.Processes.Channels;

namespace Typed.Processes;

/// <summary>A typed <see cref="ProcessChannel"/>.</summary>
/// <typeparam name="T">The element type.</typeparam>
public sealed class ProcessChannel<T> : ProcessChannel
{
    internal ProcessChannel(int capacity, ChannelKind kind, IChannelOwner? owner) : base(capacity, kind, owner) { }

    private ReceiveWaiter<T>? _spareWaiter;

    internal void ReturnWaiter(ReceiveWaiter<T> waiter) => Interlocked.CompareExchange(ref _spareWaiter, waiter, null);

    /// <summary>Creates a standalone channel (outside processes, e.g. for tests); inside a process use <c>ctx.NewChannel</c>.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1000", Justification = "The factory belongs with the type it makes, as ImmutableArray<T>.Create.")]
    public static ProcessChannel<T> Create(int capacity = 0) => new(capacity, ChannelKind.Local, null);

    /// <summary>Receives without waiting; false if nothing is buffered (or the channel is closed and drained).</summary>
    public bool TryReceive(out T value)
    {
        if (TryReceiveBoxed(out var v, out var ok) && ok)
        {
            value = (T)Taken(v)!;
            return true;
        }
        value = default!;
        return false;
    }

    /// <summary>Sends without waiting; false if it would block. Throws <see cref="ChannelClosedException"/> if closed.</summary>
    public bool TrySend(T value) => TrySendBoxed(value) switch
    {
        1 => true,
        0 => false,
        _ => throw new ChannelClosedException(),
    };

    /// <summary>Waits for the next value. Throws <see cref="ChannelClosedException"/> once closed and drained,
    /// <see cref="ProcessTerminatedException"/> if the calling process is terminated while waiting.</summary>
    public ValueTask<T> ReceiveAsync(CancellationToken cancellationToken = default)
    {
        if (TryReceiveBoxed(out var v, out var ok))
            return ok ? new ValueTask<T>((T)Taken(v)!) : ValueTask.FromException<T>(new ChannelClosedException());
        // One receive waiter per channel is recycled (a process receives from a channel one wait at a time; a
        // concurrent second receive simply allocates its own).
        var waiter = Interlocked.Exchange(ref _spareWaiter, null);
        if (waiter is null) waiter = new ReceiveWaiter<T>(Owner, cancellationToken, this);
        else waiter.Reuse(cancellationToken);
        waiter.Begin();
        ReceiveOrWait(waiter);
        return new ValueTask<T>(waiter, waiter.Version);
    }

    /// <summary>Waits for the next value; <see cref="ReceiveResult{T}.Ok"/> is false once closed and drained.</summary>
    public ValueTask<ReceiveResult<T>> TryReceiveAsync(CancellationToken cancellationToken = default)
    {
        if (TryReceiveBoxed(out var v, out var ok))
            return new ValueTask<ReceiveResult<T>>(new ReceiveResult<T>(ok ? (T)Taken(v)! : default!, ok));
        var waiter = new ReceiveResultWaiter<T>(Owner, this, cancellationToken);
        waiter.Begin();
        ReceiveOrWait(waiter);
        return new ValueTask<ReceiveResult<T>>(waiter, waiter.Version);
    }

    /// <summary>Sends, waiting while the buffer is full (or, unbuffered, until a receiver takes it).
    /// Throws <see cref="ChannelClosedException"/> if the channel is or becomes closed.</summary>
    public ValueTask SendAsync(T value, CancellationToken cancellationToken = default)
    {
        var r = TrySendBoxed(value);
        if (r > 0) return ValueTask.CompletedTask;
        if (r < 0) return ValueTask.FromException(new ChannelClosedException());
        var waiter = new SendWaiter(Owner, cancellationToken);
        waiter.Begin();
        SendOrWait(waiter, value);
        return new ValueTask(waiter, waiter.Version);
    }

    /// <summary>A select case that receives from this channel.</summary>
    public SelectCase CaseReceive() => new(this, false, null);

    /// <summary>A select case that sends <paramref name="value"/> on this channel.</summary>
    public SelectCase CaseSend(T value) => new(this, true, value);
}
