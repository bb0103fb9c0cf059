namespace Typed.Processes;

/// <summary>
/// A declared entry: what a process is started from. C# entries come from <see cref="EntryTable.Add(string, ProcessMain)"/>
/// (or generated registration code); Lua entries from manifests.
/// </summary>
public abstract class EntryDefinition
{
    /// <summary>Creates the definition.</summary>
    protected EntryDefinition(string reference)
    {
        if (EntryReference.Check(reference, "entry") is { } error) throw new ArgumentException(error, nameof(reference));
        Reference = reference;
    }

    /// <summary>The entry reference, <c>namespace:name</c>.</summary>
    public string Reference { get; }

    /// <summary>The kind, e.g. <c>process.csharp</c> or <c>process.lua</c>.</summary>
    public abstract string Kind { get; }

    /// <summary>Free metadata (from a manifest's <c>meta</c>).</summary>
    public IReadOnlyDictionary<string, object?> Meta { get; init; } = new Dictionary<string, object?>();

    /// <summary>
    /// The topics the entry's processes take, checked when a message arrives that no listener takes yet; null (the
    /// default) accepts any topic. Generated C# entries set it so that a wrong topic or payload is refused to the sender.
    /// </summary>
    public TopicContract? Topics { get; init; }

    /// <summary>True: its processes say when they are started (a supervisor: once its children are), so a supervisor
    /// or a service that starts one waits for that rather than for its first run.</summary>
    internal virtual bool SignalsReady => false;

    /// <summary>Creates the (not yet started) process; an error if this entry cannot start one.</summary>
    internal abstract Result<ProcessCore> CreateProcess(ProcessRuntime runtime, ProcessHost host, Pid pid, object?[] args);
}
