namespace Typed.Processes;

/// <summary>Thrown by <see cref="ProcessChannel{T}.ReceiveAsync"/> on a channel that is closed and drained.</summary>
public sealed class ChannelClosedException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public ChannelClosedException() : base("the channel is closed") { }
}
