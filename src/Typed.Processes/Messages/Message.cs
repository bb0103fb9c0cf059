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

    /// <summary>The payload as <typeparamref name="T"/>; throws <see cref="InvalidCastException"/> with the types named.</summary>
    public T PayloadAs<T>() => Payload is T t ? t
        : Payload is null && default(T) is null ? default!
        : throw new InvalidCastException($"payload of topic '{Topic}' is {Payload?.GetType().Name ?? "null"}, not {typeof(T).Name}");

    /// <inheritdoc />
    public override string ToString() => $"{Topic} from {From?.ToString() ?? "outside"}: {Payload}";
}
