namespace Typed.Processes;

/// <summary>A topic's listener: which channel takes its messages, and in which form.</summary>
internal abstract class TopicListener
{
    public abstract ProcessChannel Channel { get; }
    /// <summary>Whether the listener takes <paramref name="payload"/>; a numeric payload of another numeric type is
    /// converted in place when exact (<see cref="NumericPayload"/>).</summary>
    public abstract bool Admit(ref object? payload);
    /// <summary>Queues the message on the listener's channel: 1 sent, -1 the channel is closed (a user channel).</summary>
    public abstract int Offer(Message message);
    public abstract int Offer(Pid? from, string topic, object? payload, ReplyHandle? reply, Telemetry.MessageTrace? trace);
    /// <summary>False when the receiver sees payloads only: a call's reply handle would be lost.</summary>
    public virtual bool CarriesReply => true;
    public abstract string PayloadTypeName { get; }
    public abstract bool SameShape(TopicListener other);
    public abstract string Describe();
}

/// <summary>Which payloads a listener typed <typeparamref name="T"/> takes, and how errors name that type.</summary>
internal static class PayloadShape<T>
{
    public static bool Admit(ref object? payload)
    {
        if (payload is T || (payload is null && default(T) is null)) return true;
        if (!NumericPayload.TryConvert(payload, typeof(T), out var converted)) return false;
        payload = converted;
        return true;
    }
    public static string Name => typeof(T) == typeof(object) ? "any payload" : typeof(T).Name;
}

internal sealed class PayloadListener<T>(ProcessChannel<T> channel) : TopicListener
{
    public override ProcessChannel Channel => channel;
    public override bool Admit(ref object? payload) => PayloadShape<T>.Admit(ref payload);
    // With telemetry, the trace stands in for the payload in the channel (see ProcessChannel.Taken).
    public override int Offer(Message message) => channel.TrySendBoxed(Stand(message.Payload, message.Trace));
    public override int Offer(Pid? from, string topic, object? payload, ReplyHandle? reply, Telemetry.MessageTrace? trace) =>
        channel.TrySendBoxed(Stand(payload, trace));
    private static object? Stand(object? payload, Telemetry.MessageTrace? trace)
    {
        if (trace is null) return payload;
        trace.Payload = payload;
        return trace;
    }
    public override bool CarriesReply => false;
    public override string PayloadTypeName => PayloadShape<T>.Name;
    public override bool SameShape(TopicListener other) => other is PayloadListener<T>;
    public override string Describe() => $"payloads of {PayloadTypeName}";
}

/// <summary>Whole messages of one payload type into a channel that several topics may share (generated entries).</summary>
internal sealed class TypedMessageListener<T>(ProcessChannel<Message> channel) : TopicListener
{
    public override ProcessChannel Channel => channel;
    public override bool Admit(ref object? payload) => PayloadShape<T>.Admit(ref payload);
    public override int Offer(Message message) => channel.TrySendBoxed(message);
    public override int Offer(Pid? from, string topic, object? payload, ReplyHandle? reply, Telemetry.MessageTrace? trace) =>
        channel.TrySendBoxed(new Message(from, topic, payload) { ReplyTo = reply, Trace = trace });
    public override string PayloadTypeName => PayloadShape<T>.Name;
    public override bool SameShape(TopicListener other) => other is TypedMessageListener<T> t && t.Channel == channel;
    public override string Describe() => $"message objects with payloads of {PayloadTypeName}";
}

internal sealed class MessageListener(ProcessChannel<Message> channel) : TopicListener
{
    public override ProcessChannel Channel => channel;
    public override bool Admit(ref object? payload) => true;
    public override int Offer(Message message) => channel.TrySendBoxed(message);
    public override int Offer(Pid? from, string topic, object? payload, ReplyHandle? reply, Telemetry.MessageTrace? trace) =>
        channel.TrySendBoxed(new Message(from, topic, payload) { ReplyTo = reply, Trace = trace });
    public override string PayloadTypeName => "any payload";
    public override bool SameShape(TopicListener other) => other is MessageListener;
    public override string Describe() => "message objects";
}
