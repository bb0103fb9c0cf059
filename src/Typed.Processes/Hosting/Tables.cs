using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Typed.Processes.Hosting;

namespace Typed.Processes;

/// <summary>Settings of a host (<see cref="HostTable.Add(string, HostOptions)"/>).</summary>
public sealed record HostOptions
{
    /// <summary>
    /// The mailbox limit of processes that neither their host nor their spawn sets: 100,000 messages. Measured: a
    /// process that never receives, flooded with distinct 1 KB strings (512 chars), holds 152 MB resident (whole .NET
    /// process, 31 MB before) when senders start getting "mailbox full"; with 2 KB strings, 256 MB. Without a limit,
    /// 600,000 such messages took 714 MB and 1.3 GB.
    /// </summary>
    public const int DefaultMailboxLimit = 100_000;

    /// <summary>Worker threads (1 to 256); 0 (the default) means the number of cores.</summary>
    public int Workers { get; init; }

    /// <summary>
    /// How many messages may wait for each process of this host: queued on its inbox and topic channels, not yet
    /// received (events such as Exit, LinkDown and Cancel do not count and are never refused). Beyond it, a send
    /// fails with "mailbox full" and nothing already queued is dropped. 0 (the default) means
    /// <see cref="DefaultMailboxLimit"/>; <see cref="int.MaxValue"/> lifts the limit. A spawn may set its own
    /// (<see cref="SpawnOptions.MailboxLimit"/>).
    /// </summary>
    public int MailboxLimit { get; init; }
}

/// <summary>Settings of one spawn (the <c>Spawn</c>, <c>SpawnMonitored</c>, <c>SpawnLinked</c> and <c>Start</c> overloads that take them).</summary>
public sealed record SpawnOptions
{
    /// <summary>The process's mailbox limit (see <see cref="HostOptions.MailboxLimit"/>); 0 (the default) means its host's.</summary>
    public int MailboxLimit { get; init; }
}

/// <summary>A named scheduler with a fixed number of workers on which processes run.</summary>
public sealed class ProcessHost
{
    internal ProcessHost(string reference, int workers, int mailboxLimit, HostScheduler scheduler)
    {
        Reference = reference;
        Workers = workers;
        MailboxLimit = mailboxLimit;
        Scheduler = scheduler;
    }

    /// <summary>The mailbox limit of its processes (unless their spawn sets one); see <see cref="HostOptions.MailboxLimit"/>.</summary>
    public int MailboxLimit { get; }

    /// <summary>The host reference, e.g. <c>app:processes</c>.</summary>
    public string Reference { get; }

    /// <summary>Number of worker threads.</summary>
    public int Workers { get; }

    internal HostScheduler Scheduler { get; }

    /// <summary>Work items run so far (diagnostics).</summary>
    public long ExecutedWorkItems => Scheduler.ExecutedCount;
}

/// <summary>The hosts of a runtime, by reference.</summary>
public sealed class HostTable
{
    private readonly ConcurrentDictionary<string, ProcessHost> _hosts = new(StringComparer.Ordinal);
    private readonly ProcessRuntime _runtime;

    internal HostTable(ProcessRuntime runtime) => _runtime = runtime;

    /// <summary>Adds a host and starts its workers.</summary>
    /// <param name="reference">The host reference, <c>namespace:name</c>.</param>
    /// <param name="workers">Worker threads (1 to 256); defaults to the number of cores.</param>
    /// <exception cref="ArgumentException">Malformed reference, a duplicate, or a bad worker count.</exception>
#pragma warning disable RS0027 // the short form the README uses; HostOptions is the full form (nothing shipped yet to stay compatible with)
    public ProcessHost Add(string reference, int workers = 0)
#pragma warning restore RS0027
    {
        if (workers is < 0 or > 256) throw new ArgumentOutOfRangeException(nameof(workers), workers, "a host has 1 to 256 workers");
        return Add(reference, new HostOptions { Workers = workers });
    }

    /// <summary>Adds a host with the given settings and starts its workers.</summary>
    /// <param name="reference">The host reference, <c>namespace:name</c>.</param>
    /// <param name="options">Workers and mailbox limit (0 for either: the default).</param>
    /// <exception cref="ArgumentException">Malformed reference, a duplicate, a bad worker count or a negative mailbox limit.</exception>
    public ProcessHost Add(string reference, HostOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (EntryReference.Check(reference, "host") is { } error) throw new ArgumentException(error, nameof(reference));
        var workers = options.Workers == 0 ? Environment.ProcessorCount : options.Workers;
        if (workers is < 1 or > 256) throw new ArgumentOutOfRangeException(nameof(options), options.Workers, "a host has 1 to 256 workers");
        if (options.MailboxLimit < 0)
            throw new ArgumentOutOfRangeException(nameof(options), options.MailboxLimit, "the mailbox limit must be positive (0: the default)");
        var mailboxLimit = options.MailboxLimit == 0 ? HostOptions.DefaultMailboxLimit : options.MailboxLimit;
        _runtime.ThrowIfShutDown();
        lock (_hosts)
        {
            if (_hosts.ContainsKey(reference)) throw new ArgumentException($"host '{reference}' is already defined", nameof(reference));
            var host = new ProcessHost(reference, workers, mailboxLimit, new HostScheduler(reference, workers, _runtime.RuntimeLogger));
            _hosts[reference] = host;
            return host;
        }
    }

    /// <summary>Finds a host.</summary>
    public bool TryGet(string reference, [NotNullWhen(true)] out ProcessHost? host) => _hosts.TryGetValue(reference, out host);

    /// <summary>True if the host exists.</summary>
    public bool Contains(string reference) => _hosts.ContainsKey(reference);

    /// <summary>All hosts.</summary>
    public IReadOnlyCollection<ProcessHost> All => _hosts.Values.ToArray();
}

/// <summary>The body of a C# process: runs on a host; its return value is the Exit event's result.</summary>
/// <param name="context">The process's own API.</param>
public delegate ValueTask<object?> ProcessMain(ProcessContext context);

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

    /// <summary>Creates the (not yet started) process; an error if this entry cannot start one.</summary>
    internal abstract Result<ProcessCore> CreateProcess(ProcessRuntime runtime, ProcessHost host, Pid pid, object?[] args);
}

/// <summary>A C# entry: a <see cref="ProcessMain"/> delegate.</summary>
public sealed class CSharpEntry : EntryDefinition
{
    /// <summary>Creates the entry.</summary>
    public CSharpEntry(string reference, ProcessMain main) : base(reference) =>
        Main = main ?? throw new ArgumentNullException(nameof(main));

    /// <summary>The process body.</summary>
    public ProcessMain Main { get; }

    /// <inheritdoc />
    public override string Kind => "process.csharp";

    internal override Result<ProcessCore> CreateProcess(ProcessRuntime runtime, ProcessHost host, Pid pid, object?[] args) =>
        Result<ProcessCore>.Success(new CSharpProcess(runtime, host, pid, args, Main));
}

/// <summary>The entries of a runtime, by reference.</summary>
public sealed class EntryTable
{
    private readonly ConcurrentDictionary<string, EntryDefinition> _entries = new(StringComparer.Ordinal);

    /// <summary>Adds a C# entry.</summary>
    /// <exception cref="ArgumentException">Malformed or duplicate reference.</exception>
    public EntryDefinition Add(string reference, ProcessMain main) => Add(new CSharpEntry(reference, main));

    /// <summary>Adds an entry of any kind.</summary>
    /// <exception cref="ArgumentException">Duplicate reference.</exception>
    public EntryDefinition Add(EntryDefinition entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (!_entries.TryAdd(entry.Reference, entry))
            throw new ArgumentException($"entry '{entry.Reference}' is already defined", nameof(entry));
        return entry;
    }

    /// <summary>Finds an entry.</summary>
    public bool TryGet(string reference, [NotNullWhen(true)] out EntryDefinition? entry) => _entries.TryGetValue(reference, out entry);

    /// <summary>True if the entry exists.</summary>
    public bool Contains(string reference) => _entries.ContainsKey(reference);

    /// <summary>All entries.</summary>
    public IReadOnlyCollection<EntryDefinition> All => _entries.Values.ToArray();
}

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
            return type is null || payload is null && (!type.IsValueType || Nullable.GetUnderlyingType(type) is not null) || type.IsInstanceOfType(payload)
                ? null
                : ProcessCore.WrongPayload(topic, process.Describe(), type.Name, payload);
        return AcceptsOtherTopics ? null
            : $"{process.Describe()} has no topic '{topic}' (its topics: {string.Join(", ", _topics.Keys.OrderBy(k => k, StringComparer.Ordinal))})";
    }
}
