namespace Typed.Processes.Hosting;

/// <summary>
/// Settings of the runtime <see cref="TypedProcessesServiceCollectionExtensions.AddTypedProcesses"/> adds, bound from
/// the configuration section <c>TypedProcesses</c> (<see cref="SectionName"/>) and then from code.
/// </summary>
/// <example>
/// <code>
/// "TypedProcesses": {
///   "Hosts": { "app:main": { "Workers": 2, "MailboxLimit": 1000 } },
///   "LuaApps": [ "app" ],
///   "Services": { "app:ticker": { "process": "app:ticker", "host": "app:main", "lifecycle": { "restart": { "initial_delay": "1s" } } } },
///   "ShutdownGrace": "00:00:05"
/// }
/// </code>
/// </example>
public sealed class TypedProcessesOptions
{
    /// <summary>The configuration section bound to these options.</summary>
    public const string SectionName = "TypedProcesses";

    /// <summary>
    /// Hosts to add, by namespace and then name: the configuration key <c>"app:main"</c> is host <c>app:main</c>
    /// (configuration splits keys at <c>:</c>, so <c>{ "app": { "main": { ... } } }</c> says the same). In code, use
    /// <see cref="AddHost"/>. Added before the Lua applications, whose manifests then do not override them.
    /// </summary>
    public Dictionary<string, Dictionary<string, TypedProcessesHostOptions>> Hosts { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Lua application folders (manifests <c>_index.yaml</c> and their sources) to load with
    /// <c>AddLuaApplication</c>; a relative folder is relative to <see cref="AppContext.BaseDirectory"/>, where the
    /// build copies a project's Lua application.
    /// </summary>
    public List<string> LuaApps { get; set; } = [];

    /// <summary>
    /// Supervised services (Wippy's <c>process.service</c>) of C# or Lua entries, by namespace and then name as
    /// <see cref="Hosts"/>: the configuration key <c>"app:ticker"</c> is service <c>app:ticker</c>. In code, use
    /// <see cref="AddService"/>. They start when the host starts, before the Lua applications' auto_start services, and
    /// stop in the reverse order when it stops (after them).
    /// </summary>
    public Dictionary<string, Dictionary<string, TypedProcessesServiceOptions>> Services { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// How long processes get, when the host stops, between their Cancel event and termination
    /// (<see cref="ProcessRuntime.ShutdownAsync"/>). Default 5 seconds; zero terminates at once.
    /// </summary>
    public TimeSpan ShutdownGrace { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The health check reports a host as starved (Degraded) when work has waited on it, with no work item finished,
    /// for at least this long, seen by two checks in a row. Default 5 seconds.
    /// </summary>
    public TimeSpan StarvationThreshold { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Adds (or replaces) a host in <see cref="Hosts"/>.</summary>
    /// <param name="reference">The host reference, <c>namespace:name</c>.</param>
    /// <param name="workers">Worker threads; 0: the number of cores.</param>
    /// <param name="mailboxLimit">Per-process mailbox limit; 0: the runtime's default.</param>
    /// <exception cref="ArgumentException">Not a <c>namespace:name</c> reference.</exception>
    public TypedProcessesOptions AddHost(string reference, int workers = 0, int mailboxLimit = 0)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var (ns, name) = Split(reference, nameof(reference), "host");
        if (!Hosts.TryGetValue(ns, out var names)) Hosts[ns] = names = new(StringComparer.Ordinal);
        names[name] = new TypedProcessesHostOptions { Workers = workers, MailboxLimit = mailboxLimit };
        return this;
    }

    /// <summary>Adds (or replaces) a service in <see cref="Services"/>.</summary>
    /// <param name="reference">The service's reference, <c>namespace:name</c>.</param>
    /// <param name="process">The entry it runs (C# or Lua), <c>namespace:name</c>.</param>
    /// <param name="host">The host it runs on.</param>
    /// <param name="configure">Sets its input and lifecycle.</param>
    /// <exception cref="ArgumentException">Not a <c>namespace:name</c> reference.</exception>
    public TypedProcessesOptions AddService(string reference, string process, string host, Action<TypedProcessesServiceOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var (ns, name) = Split(reference, nameof(reference), "service");
        var service = new TypedProcessesServiceOptions { Process = process, Host = host };
        configure?.Invoke(service);
        if (!Services.TryGetValue(ns, out var names)) Services[ns] = names = new(StringComparer.Ordinal);
        names[name] = service;
        return this;
    }

    private static (string Namespace, string Name) Split(string reference, string parameter, string what)
    {
        var colon = reference.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == reference.Length - 1 || reference.IndexOf(':', colon + 1) >= 0)
            throw new ArgumentException($"'{reference}' is not a {what} reference (namespace:name)", parameter);
        return (reference[..colon], reference[(colon + 1)..]);
    }

    /// <summary>Every host of <see cref="Hosts"/> with its full reference, in a stable order.</summary>
    internal IEnumerable<(string Reference, TypedProcessesHostOptions Options)> AllHosts() =>
        from ns in Hosts.OrderBy(n => n.Key, StringComparer.Ordinal)
        from name in ns.Value.OrderBy(n => n.Key, StringComparer.Ordinal)
        select (ns.Key + ":" + name.Key, name.Value);
}

/// <summary>A host of <see cref="TypedProcessesOptions.Hosts"/>.</summary>
public sealed class TypedProcessesHostOptions
{
    /// <summary>Worker threads (1 to 256); 0 (the default): the number of cores.</summary>
    public int Workers { get; set; }

    /// <summary>Per-process mailbox limit; 0 (the default): <see cref="HostOptions.DefaultMailboxLimit"/>.</summary>
    public int MailboxLimit { get; set; }
}
