namespace Typed.Processes;

/// <summary>The topics an entry declares, with the payload type each takes.</summary>
public sealed class TopicContract
{
    private readonly Dictionary<string, Type?> _topics;

    /// <summary>Creates the contract.</summary>
    /// <param name="topics">Topic to payload type (null: no payload expected, any value accepted).</param>
    /// <param name="acceptsOtherTopics">Whether messages to undeclared topics are delivered (to the inbox) rather than refused.</param>
    public TopicContract(IEnumerable<KeyValuePair<string, Type?>> topics, bool acceptsOtherTopics)
    {
        _topics = new Dictionary<string, Type?>(topics, StringComparer.Ordinal);
        AcceptsOtherTopics = acceptsOtherTopics;
    }

    /// <summary>The declared topics.</summary>
    public IReadOnlyDictionary<string, Type?> Topics => _topics;

    /// <summary>Whether undeclared topics are delivered to the inbox.</summary>
    public bool AcceptsOtherTopics { get; }

    internal string? Check(ProcessCore process, string topic, object? payload)
    {
        if (_topics.TryGetValue(topic, out var type))
            return type is null || payload is null && (!type.IsValueType || Nullable.GetUnderlyingType(type) is not null) || type.IsInstanceOfType(payload) || NumericPayload.TryConvert(payload, type, out _)
                ? null
                : ProcessCore.WrongPayload(topic, process.Describe(), type.Name, payload);
        return AcceptsOtherTopics ? null
            : $"{process.Describe()} has no topic '{topic}' (its topics: {string.Join(", ", _topics.Keys.OrderBy(k => k, StringComparer.Ordinal))})";
    }
}
