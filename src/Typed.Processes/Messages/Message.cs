namespace Typed.Processes;

/// <summary>A message as a receiver sees it in full: sender, topic and payload.</summary>
public sealed class Message
{
    /// <summary>Creates a message.</summary>
    public Message(Pid? from, string topic, object? payload)
    {
        From = from;
        Topic = topic ?? throw new ArgumentNullException(nameof(topic));
        Payload = payload;
    }

    /// <summary>The sender; null when sent from outside any process.</summary>
    public Pid? From { get; }

    /// <summary>The topic it was sent to.</summary>
    public string Topic { get; }

    /// <summary>The payload (immutable or a copy).</summary>
    public object? Payload { get; }

    /// <summary>The way back to the caller when the message is a call (<c>CallAsync</c>, Lua's <c>process.call</c>);
    /// null for a plain send. Keep it to answer later.</summary>
    public ReplyHandle? ReplyTo { get; internal init; }

    /// <summary>
    /// The process event this message carries, or null for a message some process sent. Set only by the runtime, for a
    /// process that routes its events into its dispatch channel (generated entries with event handlers, see
    /// <c>ProcessContext.RouteEvents</c>); such a message's <see cref="Topic"/> is the event's
    /// <see cref="ProcessEvent.KindName"/>, its <see cref="From"/> the event's, and its payload null.
    /// </summary>
    public ProcessEvent? Event { get; internal init; }

    /// <summary>Telemetry of the send (the sender's trace context, when it was queued); null when nobody listened.
    /// Cleared once the receiver's code has taken the message (see <see cref="ProcessChannel.Taken"/>).</summary>
    internal Telemetry.MessageTrace? Trace;

    /// <summary>True when the message is a call that waits for an answer.</summary>
    public bool IsCall => ReplyTo is not null;

    /// <summary>Answers the call this message is (see <see cref="ReplyHandle.Reply"/>); an error when it is not a call,
    /// was already answered, or its caller no longer waits.</summary>
    public Result Reply(object? value) =>
        ReplyTo is { } handle ? handle.Reply(value) : Result.Failure($"the message on '{Topic}' is not a call: there is no caller waiting for a reply");

    /// <summary>The payload as <typeparamref name="T"/> (a number of another numeric type converted when exact); throws
    /// <see cref="InvalidCastException"/> with the types named.</summary>
    public T PayloadAs<T>() => Payload is T t ? t
        : Payload is null && default(T) is null ? default!
        : NumericPayload.TryConvert(Payload, typeof(T), out var converted) ? (T)converted!
        : throw new InvalidCastException($"payload of topic '{Topic}' is {Payload?.GetType().Name ?? "null"}, not {typeof(T).Name}");

    /// <summary>The same message with another payload (a numeric conversion on the way to a typed listener).</summary>
    internal Message WithPayload(object? payload) => new(From, Topic, payload) { ReplyTo = ReplyTo, Trace = Trace };

    /// <inheritdoc />
    public override string ToString() => $"{Topic} from {From?.ToString() ?? "outside"}: {Payload}";
}
