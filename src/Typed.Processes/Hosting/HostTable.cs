using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Typed.Processes.Hosting;

namespace Typed.Processes;

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
