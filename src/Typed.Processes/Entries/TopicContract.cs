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

    /// <summary>
    /// Set by generated entries with a dispatch loop: a process of the entry gets one dispatch channel when it is
    /// created, before anyone can send to it, and its inbox (see <see cref="ProcessContext.RouteInbox"/>) and the
    /// <see cref="DispatchedEvents"/> (see <see cref="ProcessContext.RouteEvents"/>) are routed into it from then on,
    /// so messages and events sent before the process starts keep their arrival order too.
    /// </summary>
    [System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)] // generated code sets it
    public bool Dispatches { get; init; }

    /// <summary>The event kinds routed into the dispatch channel from creation (with <see cref="Dispatches"/>); a
    /// LinkDown among them also makes the process trap links from creation.</summary>
    [System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)] // generated code sets it
    public IReadOnlyList<ProcessEventKind> DispatchedEvents { get; init; } = [];

    /// <summary>Null when the contract takes <paramref name="payload"/> on <paramref name="topic"/> (a number of another
    /// numeric type is converted in place when exact, so a message that waits in the inbox or a dispatch channel has
    /// the declared type, as one a typed listener takes), else the sender's error.</summary>
    internal string? Check(ProcessCore process, string topic, ref object? payload)
    {
        if (_topics.TryGetValue(topic, out var type))
        {
            if (type is null || payload is null && (!type.IsValueType || Nullable.GetUnderlyingType(type) is not null) || type.IsInstanceOfType(payload))
                return null;
            if (NumericPayload.TryConvert(payload, type, out var converted))
            {
                payload = converted;
                return null;
            }
            return ProcessCore.WrongPayload(topic, process.Describe(), type.Name, payload);
        }
        return AcceptsOtherTopics ? null
            : $"{process.Describe()} has no topic '{topic}' (its topics: {string.Join(", ", _topics.Keys.OrderBy(k => k, StringComparer.Ordinal))})";
    }
}
