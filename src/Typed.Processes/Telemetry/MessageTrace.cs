using System.Diagnostics;

namespace Typed.Processes.Telemetry;

/// <summary>
/// What a message carries for telemetry, created by a send only while someone listens (the activity source or the
/// receive latency histogram; see <see cref="ProcessTelemetry.Capture"/>): the sender's trace context and when the
/// message was accepted into the mailbox. A <see cref="Message"/> holds it in <see cref="Message.Trace"/>; a listener
/// that queues payloads alone queues this object in the payload's place (<see cref="Payload"/>), and the channel hands
/// the payload out (<see cref="ProcessChannel.Taken"/>).
/// </summary>
internal sealed class MessageTrace(ActivityContext parent, bool traced, long queuedAt, Pid? from, string topic)
{
    /// <summary>The sender's <see cref="Activity.Current"/> context (default: it had none).</summary>
    public readonly ActivityContext Parent = parent;

    /// <summary>The activity source had listeners at the send: the receive starts a span.</summary>
    public readonly bool Traced = traced;

    /// <summary><see cref="Stopwatch.GetTimestamp"/> when the send was accepted, 0 when the latency is not measured.</summary>
    public readonly long QueuedAt = queuedAt;

    public readonly Pid? From = from;

    public readonly string Topic = topic;

    /// <summary>The payload, when this object stands in for it in a payload-only listener's channel.</summary>
    public object? Payload;
}
