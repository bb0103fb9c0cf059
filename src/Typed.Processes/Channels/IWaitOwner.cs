namespace Typed.Processes.Channels;

/// <summary>
/// What a blocked channel operation (a <see cref="Waiter"/>) needs from the one that waits: a process ties each wait
/// to its life, so that its end aborts the wait (<see cref="Waiter.TryAbort"/>) instead of leaving it blocked.
/// Processes (<see cref="ProcessCore"/>) implement it; code outside any process waits without an owner.
/// </summary>
internal interface IWaitOwner
{
    /// <summary>A wait starts (before it is queued on any channel): the owner aborts it when it ends, or at once if it
    /// has already ended.</summary>
    void BeginWait(Waiter waiter);

    /// <summary>The wait is over (completed or aborted): the owner no longer aborts it.</summary>
    void EndWait(Waiter waiter);
}

/// <summary>
/// What a channel needs from the process it belongs to: its waits (<see cref="IWaitOwner"/>), and, when the channel
/// is a mailbox channel (an inbox or a topic listener), the count of messages waiting against the owner's mailbox
/// limit. Every call comes under the channel's lock: it must be quick, must not throw, must not take locks of the
/// runtime and must not run process code.
/// </summary>
internal interface IChannelOwner : IWaitOwner
{
    /// <summary><paramref name="count"/> messages were put into (or, negative, moved out of) the owner's mailbox channels
    /// without being received.</summary>
    void MailboxQueued(int count);

    /// <summary>A mailbox channel of the owner handed <paramref name="value"/> to a receiver, from its buffer
    /// (<paramref name="buffered"/>: it had been counted) or straight to a receiver already waiting.</summary>
    void MailboxTaken(object? value, bool buffered);
}
