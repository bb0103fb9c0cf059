using Typed.Processes.Channels;

namespace Typed.Processes.Tests;

/// <summary>Channels know their owner only through <see cref="IChannelOwner"/>: they run without any process.</summary>
public class ChannelOwnerTests
{
    private sealed class FakeOwner : IChannelOwner
    {
        public int Queued;
        public readonly List<(object? Value, bool Buffered)> Taken = [];
        public readonly List<Waiter> Begun = [];
        public readonly List<Waiter> Ended = [];

        public void BeginWait(Waiter waiter) { lock (Begun) Begun.Add(waiter); }
        public void EndWait(Waiter waiter) { lock (Ended) Ended.Add(waiter); }
        public void MailboxQueued(int count) => Interlocked.Add(ref Queued, count);
        public void MailboxTaken(object? value, bool buffered)
        {
            if (buffered) Interlocked.Decrement(ref Queued);
            lock (Taken) Taken.Add((value, buffered));
        }
    }

    [Fact]
    public async Task A_mailbox_channel_counts_what_it_buffers_against_its_owner_and_releases_what_is_received()
    {
        var owner = new FakeOwner();
        var inbox = new ProcessChannel<string>(-1, ChannelKind.Inbox, owner);
        Assert.Equal(1, inbox.TrySendBoxed("a"));
        Assert.Equal(1, inbox.TrySendBoxed("b"));
        Assert.Equal(2, owner.Queued);

        Assert.Equal("a", await inbox.ReceiveAsync());
        Assert.Equal(1, owner.Queued);
        Assert.Equal([("a", true)], owner.Taken);

        Assert.Equal(1, inbox.RemoveBuffered(v => (string?)v == "b"));
        Assert.Equal(0, owner.Queued);
    }

    [Fact]
    public async Task A_receive_that_waits_is_tied_to_its_owner_and_a_value_handed_over_directly_is_released_unbuffered()
    {
        var owner = new FakeOwner();
        var topic = new ProcessChannel<int>(-1, ChannelKind.Topic, owner);
        var receive = topic.ReceiveAsync();
        Assert.False(receive.IsCompleted);
        var waiter = Assert.Single(owner.Begun);
        Assert.Empty(owner.Ended);

        Assert.Equal(1, topic.TrySendBoxed(42));
        Assert.Equal(42, await receive);
        Assert.Equal([waiter], owner.Ended);
        Assert.Equal([((object?)42, false)], owner.Taken);
        Assert.Equal(0, owner.Queued);
    }

    [Fact]
    public async Task An_owner_that_aborts_the_wait_ends_the_receive_with_its_reason()
    {
        var owner = new FakeOwner();
        var local = new ProcessChannel<int>(0, ChannelKind.Local, owner);
        var receive = local.ReceiveAsync();
        var waiter = Assert.Single(owner.Begun);

        Assert.True(waiter.TryAbort("owner gone"));
        var error = await Assert.ThrowsAsync<ProcessTerminatedException>(async () => await receive);
        Assert.Equal("owner gone", error.Reason);
        Assert.Equal([waiter], owner.Ended);
        Assert.False(local.TrySend(1)); // nobody receives any more: an unbuffered send finds no taker
    }
}
