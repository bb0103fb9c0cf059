namespace Typed.Processes;

/// <summary>
/// One child of a supervisor (Erlang/OTP's child specification): a worker started from an entry with arguments
/// (<see cref="ChildSpec(string, string, string, object?[])"/>), or a nested supervisor
/// (<see cref="Supervisor(string, SupervisorSpec, string)"/>), with its restart type, shutdown and an optional
/// registered name. A value: it may be sent to a supervisor (<see cref="SupervisorClient.StartChildAsync"/>); its
/// arguments are checked and copied at every start, as spawn arguments are.
/// </summary>
[Immutable]
public sealed record ChildSpec
{
    private readonly object?[] _args;

    /// <summary>A worker: <paramref name="entry"/> started on <paramref name="host"/> with <paramref name="args"/> for its main.</summary>
    public ChildSpec(string id, [EntryReference] string entry, [HostReference] string host, params object?[] args)
    {
        Id = id;
        Entry = entry;
        Host = host;
        _args = args is null ? [] : (object?[])args.Clone();
    }

    private ChildSpec(string id, SupervisorSpec spec, string host)
    {
        Id = id;
        Host = host;
        Entry = SupervisorProcess.EntryReference;
        SupervisorSpec = spec;
        _args = [];
    }

    /// <summary>A child that is itself a supervisor (so trees compose: its failure, after too many restarts of its
    /// own children, is a failure of this child). Its shutdown defaults to <see cref="ChildShutdown.Infinity"/>.</summary>
    public static ChildSpec Supervisor(string id, SupervisorSpec spec, [HostReference] string host) => new(id, spec, host);

    /// <summary>The child's id, unique among its supervisor's children.</summary>
    public string Id { get; }

    /// <summary>The entry of a worker (for a nested supervisor: <c>typed:supervisor</c>, the entry its PID shows).</summary>
    public string Entry { get; }

    /// <summary>The host it runs on.</summary>
    public string Host { get; }

    /// <summary>The arguments of a worker's main.</summary>
    public IReadOnlyList<object?> Args => _args;

    /// <summary>The specification of a nested supervisor; null for a worker.</summary>
    public SupervisorSpec? SupervisorSpec { get; }

    /// <summary>When it is restarted (default <see cref="RestartType.Permanent"/>).</summary>
    public RestartType Restart { get; init; } = RestartType.Permanent;

    /// <summary>How it is stopped; null (the default): <c>After(5 s)</c> for a worker, <see cref="ChildShutdown.Infinity"/>
    /// for a supervisor.</summary>
    public ChildShutdown? Shutdown { get; init; }

    /// <summary>
    /// A name registered for every instance of the child before it first runs, so the name follows restarts: it
    /// resolves to the running instance, and during a restart (between an instance's end and the next one's start)
    /// to nothing (a send gets an error), never to an ended PID. A name held by another process fails the start.
    /// For a nested supervisor, null means its <see cref="Typed.Processes.SupervisorSpec.Name"/>.
    /// </summary>
    public string? Name { get; init; }

    /// <summary>
    /// True: a termination by anyone but the supervisor (<see cref="ProcessRuntime.Terminate(Pid)"/>, an operator's stop)
    /// is final, as a normal exit is, whatever <see cref="Restart"/> says (Wippy's services); false (the default, as
    /// OTP): it is a failure.
    /// </summary>
    public bool TerminationIsFinal { get; init; }

    /// <summary>
    /// True: the child counts as started (its supervisor's start, and a <see cref="SupervisorClient.StartChildAsync"/>,
    /// go on) only once it calls <see cref="ProcessContext.SignalReady"/> (Lua: <c>process.ready()</c>); false (the
    /// default): once its main has begun running. Either way a child that ends first has failed to start.
    /// </summary>
    public bool SignalsReady { get; init; }

    /// <summary>
    /// How long the child may take to be started (see <see cref="SignalsReady"/>), on the runtime's clock; past it the
    /// child is terminated and its start has failed (a service's <c>lifecycle.start_timeout</c>). Null (the default):
    /// no limit. For a nested supervisor: the time to start all its children. At most 4294967294 ms (about 49 days, what
    /// a timer takes); a longer one makes the child's start an error.
    /// </summary>
    public TimeSpan? StartTimeout { get; init; }

    /// <summary>The longest <see cref="StartTimeout"/>: what a timer takes (<see cref="uint.MaxValue"/> - 1 ms).</summary>
    internal static readonly TimeSpan MaxStartTimeout = TimeSpan.FromMilliseconds(uint.MaxValue - 1.0);

    /// <summary>The same child with other (already checked and copied) arguments.</summary>
    internal ChildSpec WithArgs(object?[] args) => new(this, args);

    private ChildSpec(ChildSpec original, object?[] args)
    {
        Id = original.Id;
        Entry = original.Entry;
        Host = original.Host;
        SupervisorSpec = original.SupervisorSpec;
        Restart = original.Restart;
        Shutdown = original.Shutdown;
        Name = original.Name;
        TerminationIsFinal = original.TerminationIsFinal;
        SignalsReady = original.SignalsReady;
        StartTimeout = original.StartTimeout;
        _args = args;
    }

    internal ChildShutdown EffectiveShutdown => Shutdown ?? (SupervisorSpec is null ? ChildShutdown.After(TimeSpan.FromSeconds(5)) : ChildShutdown.Infinity);

    internal string? RegisteredName => Name ?? SupervisorSpec?.Name;

    internal object?[] ArgsArray => _args;

    /// <summary>Null, or why this child cannot be started.</summary>
    internal string? Check()
    {
        if (string.IsNullOrEmpty(Id)) return "a child's id must be a non-empty string";
        if (EntryReference.Check(Host, "host") is { } host) return $"child '{Id}': {host}";
        if (StartTimeout <= TimeSpan.Zero) return $"child '{Id}': the start timeout must be positive";
        // The wait runs on a timer of the runtime's clock (CancellationTokenSource), which takes at most this much.
        if (StartTimeout > MaxStartTimeout)
            return $"child '{Id}': the start timeout must be at most {MaxStartTimeout.TotalMilliseconds:0}ms (about 49 days), got {StartTimeout.Value.TotalMilliseconds:0}ms";
        if (SupervisorSpec is { } spec) return spec.Check() is { } nested ? $"child '{Id}': {nested}" : null;
        if (EntryReference.Check(Entry, "entry") is { } entry) return $"child '{Id}': {entry}";
        if (Restart is < RestartType.Permanent or > RestartType.Temporary) return $"child '{Id}': unknown restart type {Restart}";
        if (Name is not null && ProcessRegistry.CheckName(Name) is { } name) return $"child '{Id}': {name}";
        return null;
    }
}
