using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Typed.Processes.Telemetry;

namespace Typed.Processes;

/// <summary>
/// The process runtime: hosts, entries, the process table and the name registry. Start processes with
/// <see cref="Spawn(string, string, object?[])"/>, talk to them with <see cref="Send(Pid, string, object?)"/>, observe their end with
/// <see cref="WaitForExitAsync"/>, and stop everything with <see cref="ShutdownAsync"/> (or dispose).
/// </summary>
public sealed partial class ProcessRuntime : IAsyncDisposable
{
    private readonly ConcurrentDictionary<long, ProcessCore> _processes = new();
    private readonly ILogger _processLog;
    private readonly Func<Pid, IServiceProvider>? _processServices;
    private volatile bool _shutDown;
    private long _spawned, _exited, _deadLetters;

    /// <summary>Creates a runtime with no hosts or entries.</summary>
    public ProcessRuntime(ProcessRuntimeOptions? options = null)
    {
        options ??= new ProcessRuntimeOptions();
        var factory = options.LoggerFactory ?? new StderrLoggerFactory(options.DefaultLogWriter);
        RuntimeLogger = factory.CreateLogger("Typed.Processes.Runtime");
        _processLog = factory.CreateLogger("Typed.Processes.Process");
        Time = options.TimeProvider ?? TimeProvider.System;
        _processServices = options.ProcessServices;
        Hosts = new HostTable(this);
        Entries = new EntryTable();
        Registry = new ProcessRegistry(this);
        ProcessTelemetry.Register(this);
    }

    /// <summary>The hosts.</summary>
    public HostTable Hosts { get; }

    /// <summary>The entries.</summary>
    public EntryTable Entries { get; }

    /// <summary>The name registry.</summary>
    public ProcessRegistry Registry { get; }

    /// <summary>The clock.</summary>
    public TimeProvider Time { get; }

    /// <summary>Processes alive now.</summary>
    public int ProcessCount => _processes.Count;

    /// <summary>The processes alive now (telemetry's observable instruments walk them).</summary>
    internal IEnumerable<ProcessCore> LiveProcesses() => _processes.Values.Where(p => p.IsAlive);

    /// <summary>Processes spawned so far.</summary>
    public long SpawnedCount => Interlocked.Read(ref _spawned);

    /// <summary>Processes ended so far.</summary>
    public long ExitedCount => Interlocked.Read(ref _exited);

    /// <summary>
    /// Dead letters so far: messages a receiver refused (a payload its entry's topic contract or a typed listener does
    /// not take). Each is also an error to its sender and a warning in the log, with sender, receiver, topic and reason.
    /// </summary>
    public long DeadLetterCount => Interlocked.Read(ref _deadLetters);

    /// <summary>True once <see cref="ShutdownAsync"/> has begun: the runtime refuses new spawns and hosts.</summary>
    public bool IsShutDown => _shutDown;

    internal ILogger RuntimeLogger { get; }

    internal DateTimeOffset Now => Time.GetUtcNow();

    /// <summary>True once <see cref="ShutdownAsync"/> has begun.</summary>
    internal bool IsShuttingDown => _shutDown;

    internal void ThrowIfShutDown()
    {
        if (_shutDown) throw new ObjectDisposedException(nameof(ProcessRuntime), "the runtime has been shut down");
    }

    // ---- outside API -----------------------------------------------------------------------------------------

    /// <summary>Starts a process from outside any process. Unknown entry/host or a bad argument: an error, nothing started.</summary>
    public Result<Pid> Spawn([EntryReference] string entry, [HostReference] string host, params object?[] args) => SpawnCore(entry, host, args, null, SpawnMode.Plain);

    /// <summary>Starts a process from outside any process, with per-spawn settings (e.g. its mailbox limit).</summary>
    public Result<Pid> Spawn(SpawnOptions options, [EntryReference] string entry, [HostReference] string host, params object?[] args) =>
        SpawnCore(entry, host, args, null, SpawnMode.Plain, options: options ?? NoOptions);

    private static readonly SpawnOptions NoOptions = new();

    /// <summary>Sends from outside any process (the message has no sender).</summary>
    public Result Send(Pid to, [TopicName] string topic, object? payload) => SendCore(null, Resolve(to), topic, payload);

    /// <summary>Sends from outside any process to a PID's text form or a registered name.</summary>
    public Result Send(string to, [TopicName] string topic, object? payload) => SendCore(null, Resolve(to), topic, payload);

    /// <summary>The timeout of a generated <c>Call…Async</c> stub when none is given: 5 seconds, as Erlang's
    /// <c>gen_server:call</c> and Lua's <c>process.call</c>.</summary>
    public static TimeSpan DefaultCallTimeout { get; } = TimeSpan.FromSeconds(5);

    /// <inheritdoc cref="CallAsync{T}(Pid, string, object?, TimeSpan, CancellationToken)"/>
    public ValueTask<Result<T>> CallAsync<T>(Pid to, [TopicName] string topic, object? payload, TimeSpan timeout) =>
        CallCore<T>(null, Resolve(to), topic, payload, timeout, CancellationToken.None);

    /// <summary>
    /// Calls <paramref name="to"/> from outside any process, as <see cref="ProcessContext.CallAsync{T}(Pid, string, object?, TimeSpan, CancellationToken)"/>
    /// does from inside one (the reply handle's <see cref="ReplyHandle.Caller"/> is then null).
    /// </summary>
    public ValueTask<Result<T>> CallAsync<T>(Pid to, [TopicName] string topic, object? payload, TimeSpan timeout, CancellationToken cancellationToken) =>
        CallCore<T>(null, Resolve(to), topic, payload, timeout, cancellationToken);

    /// <inheritdoc cref="CallAsync{T}(string, string, object?, TimeSpan, CancellationToken)"/>
    public ValueTask<Result<T>> CallAsync<T>(string to, [TopicName] string topic, object? payload, TimeSpan timeout) =>
        CallCore<T>(null, Resolve(to), topic, payload, timeout, CancellationToken.None);

    /// <inheritdoc cref="CallAsync{T}(Pid, string, object?, TimeSpan, CancellationToken)"/>
    public ValueTask<Result<T>> CallAsync<T>(string to, [TopicName] string topic, object? payload, TimeSpan timeout, CancellationToken cancellationToken) =>
        CallCore<T>(null, Resolve(to), topic, payload, timeout, cancellationToken);

    /// <summary>Ends a process at once with an error.</summary>
    public Result Terminate(Pid target) => TerminateCore(null, Resolve(target));

    /// <summary>Ends a process at once with an error (by PID text or name).</summary>
    public Result Terminate(string target) => TerminateCore(null, Resolve(target));

    /// <summary>Asks a process to stop by a deadline (a Cancel event), then terminates it.</summary>
    public Result Cancel(Pid target, TimeSpan deadline) => CancelCore(null, Resolve(target), deadline, null);

    /// <summary>Asks a process to stop (a Cancel event with no reason and no deadline: it decides what to do).</summary>
    public Result Cancel(Pid target) => CancelCore(null, Resolve(target), null, null);

    /// <summary>Asks a process to stop, saying why (a Cancel event with <paramref name="reason"/>, no deadline). A
    /// reason longer than 1,024 characters is refused.</summary>
    public Result Cancel(Pid target, string reason) => CancelCore(null, Resolve(target), null, reason);

    /// <summary>True if <paramref name="pid"/> is alive.</summary>
    public bool IsAlive(Pid pid) => Find(pid) is not null;

    /// <summary>Waits for <paramref name="pid"/> to end and returns its Exit event (a noproc error if it already had).</summary>
    public Task<ProcessEvent> WaitForExitAsync(Pid pid, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pid);
        var observer = new ExitWaiter(this);
        var process = Find(pid);
        if (process is null || !process.AddMonitor(observer))
            return Task.FromResult(new ProcessEvent(ProcessEventKind.Exit, pid, Now) { Error = $"noproc: process {pid} is not alive" });
        if (cancellationToken.CanBeCanceled)
            cancellationToken.Register(() =>
            {
                process.RemoveMonitor(observer);
                observer.Completion.TrySetCanceled(cancellationToken);
            });
        return observer.Completion.Task;
    }

    /// <summary>
    /// Spawns a process and observes its end atomically: the returned <see cref="RunningProcess.Exit"/> completes with
    /// the process's real Exit event even if the process ends before this method returns (unlike
    /// <see cref="Spawn(string, string, object?[])"/> followed by <see cref="WaitForExitAsync"/>, which can miss a very short-lived process).
    /// </summary>
    public Result<RunningProcess> Start([EntryReference] string entry, [HostReference] string host, params object?[] args) =>
        Start(NoOptions, entry, host, args);

    /// <summary>As <see cref="Start(string, string, object?[])"/>, with per-spawn settings (e.g. its mailbox limit).</summary>
    public Result<RunningProcess> Start(SpawnOptions options, [EntryReference] string entry, [HostReference] string host, params object?[] args)
    {
        var observer = new ExitWaiter(this);
        var pid = SpawnCore(entry, host, args, null, SpawnMode.Plain, observer, options ?? NoOptions);
        return pid.Ok ? Result<RunningProcess>.Success(new RunningProcess(pid.Value, observer.Completion.Task)) : Result<RunningProcess>.Failure(pid.Error!);
    }

    /// <summary>Spawns a process with <paramref name="args"/> for its main and waits for its Exit event. A spawn error
    /// throws <see cref="ProcessException"/>.</summary>
    public Task<ProcessEvent> RunAsync([EntryReference] string entry, [HostReference] string host, params object?[] args) =>
        RunAsync(entry, host, args, CancellationToken.None);

    /// <summary>Spawns a process without arguments and waits for its Exit event; <paramref name="cancellationToken"/>
    /// terminates it. A spawn error throws <see cref="ProcessException"/>.</summary>
    public Task<ProcessEvent> RunAsync([EntryReference] string entry, [HostReference] string host, CancellationToken cancellationToken) =>
        RunAsync(entry, host, [], cancellationToken);

    /// <summary>
    /// Spawns a process with <paramref name="args"/> for its main and waits for its Exit event;
    /// <paramref name="cancellationToken"/> (last, so that it is never taken for an argument) terminates it. A spawn
    /// error throws <see cref="ProcessException"/>.
    /// </summary>
    public async Task<ProcessEvent> RunAsync([EntryReference] string entry, [HostReference] string host, object?[] args, CancellationToken cancellationToken)
    {
        if (args is not null && Array.Exists(args, a => a is CancellationToken))
            throw new ProcessException("a CancellationToken is not a process argument: pass it last, RunAsync(entry, host, args, cancellationToken)");
        var (pid, exit) = Start(entry, host, args ?? []).Value;
        using var reg = cancellationToken.CanBeCanceled ? cancellationToken.Register(() => Terminate(pid)) : default;
        return await exit.ConfigureAwait(false);
    }

    private sealed class ExitWaiter(ProcessRuntime runtime) : IExitObserver
    {
        public TaskCompletionSource<ProcessEvent> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void OnExit(ProcessCore process, ExitInfo exit) =>
            Completion.TrySetResult(new ProcessEvent(ProcessEventKind.Exit, process.Pid, runtime.Now)
            {
                Result = exit.Result,
                Error = exit.Error,
                Exception = exit.Exception,
            });
    }

    // ---- resolution ------------------------------------------------------------------------------------------

    internal ProcessCore? Find(Pid pid) =>
        _processes.TryGetValue(pid.Id, out var p) && p.IsAlive && p.Pid.Host == pid.Host && p.Pid.Entry == pid.Entry ? p : null;

    /// <summary>Resolves a PID once, for any operation on it: its live process, only the PID if that process has ended,
    /// or an error for a null or never used PID.</summary>
    internal Result<Target> Resolve(Pid? pid)
    {
        if (pid is null) return Result<Target>.Failure("target is null");
        var live = Find(pid);
        if (live is not null || pid.Id <= Pid.LastId) return Result<Target>.Success(new Target(live, pid));
        return Result<Target>.Failure($"process not found: {pid} is unknown to this runtime");
    }

    /// <summary>
    /// Resolves a PID's text form or a registered name once, for any operation on it (see <see cref="Resolve(Pid?)"/>).
    /// <paramref name="evenIfEnding"/>: a name still resolves to a process that is ending (dead, but its exit has not
    /// yet told its monitors and released its names), so that Unmonitor can synchronise with that exit.
    /// </summary>
    internal Result<Target> Resolve(string? target, bool evenIfEnding = false)
    {
        if (string.IsNullOrEmpty(target)) return Result<Target>.Failure("target must be a PID or a registered name");
        if (target[0] == '{')
            return Pid.TryParse(target, out var pid) ? Resolve(pid) : Result<Target>.Failure($"malformed PID '{target}'");
        var p = evenIfEnding ? Registry.ResolveEvenIfEnding(target) : Registry.Resolve(target);
        return p is null ? Result<Target>.Failure($"could not resolve '{target}' as PID or registered name") : Result<Target>.Success(new Target(p, p.Pid));
    }

    /// <summary>The error for an operation on a process that has ended (Wippy's text, <c>process not found</c>, first).</summary>
    internal static string ProcessNotFound(Pid pid) => $"process not found: {pid} is not alive";

    /// <summary>
    /// The error for an entry not in <see cref="Entries"/>. A C# caller (outside any process, or a C# process: where
    /// the generated typed stubs are called) is told how entries get registered; a Lua caller gets Wippy's short text.
    /// </summary>
    private static string UnknownEntry(string entry, ProcessCore? caller) => caller is null or CSharpProcess
        ? $"unknown entry '{entry}': register it first, with runtime.AddGeneratedEntries() for [ProcessEntry] classes " +
          "(an extension method in the project's root namespace), runtime.AddLuaApplication(folder) for manifest " +
          "entries, or runtime.Entries.Add(reference, main)"
        : $"unknown entry '{entry}'";

    // ---- core operations (shared by C# contexts, the Lua binding and the outside API) ------------------------

    internal Result<Pid> SpawnCore(string entry, string host, object?[]? args, ProcessCore? parent, SpawnMode mode, IExitObserver? observer = null,
        SpawnOptions? options = null)
    {
        if (!ProcessTelemetry.Source.HasListeners())
        {
            var plain = SpawnUntraced(entry, host, args, parent, mode, observer, options);
            if (plain.Ok && ProcessTelemetry.Spawns.Enabled) ProcessTelemetry.RecordSpawn(plain.Value);
            return plain;
        }
        var activity = ProcessTelemetry.StartSpawn(entry, host);
        var spawned = SpawnUntraced(entry, host, args, parent, mode, observer, options);
        if (spawned.Ok)
        {
            activity?.SetTag("typed_processes.pid", spawned.Value.ToString());
            if (ProcessTelemetry.Spawns.Enabled) ProcessTelemetry.RecordSpawn(spawned.Value);
        }
        ProcessTelemetry.End(activity, spawned.Ok ? null : spawned.Error);
        return spawned;
    }

    private Result<Pid> SpawnUntraced(string entry, string host, object?[]? args, ProcessCore? parent, SpawnMode mode, IExitObserver? observer,
        SpawnOptions? options)
    {
        if (_shutDown) return Result<Pid>.Failure("the runtime is shutting down");
        if (options is { MailboxLimit: < 0 }) return Result<Pid>.Failure("the mailbox limit must be positive (0: the host's)");
        if (EntryReference.Check(entry, "entry") is { } e1) return Result<Pid>.Failure(e1);
        if (EntryReference.Check(host, "host") is { } e2) return Result<Pid>.Failure(e2);
        var definition = options?.Definition;
        if (definition is null && !Entries.TryGet(entry, out definition)) return Result<Pid>.Failure(UnknownEntry(entry, parent));
        if (!Hosts.TryGet(host, out var processHost)) return Result<Pid>.Failure($"host not found: '{host}'");
        args ??= [];
        object?[] prepared = args.Length == 0 ? [] : new object?[args.Length];
        for (int i = 0; i < args.Length; i++)
        {
            var r = Payloads.Prepare(args[i]);
            if (!r.Ok) return Result<Pid>.Failure($"argument {i + 1}: {r.Error}");
            prepared[i] = r.Value;
        }
        var pid = Pid.Next(host, entry);
        Result<ProcessCore> created;
        try
        {
            created = definition.CreateProcess(this, processHost, pid, prepared);
        }
        catch (Exception ex)
        {
            return Result<Pid>.Failure($"entry '{entry}' could not start a process: {ExceptionText.MessageOf(ex)}");
        }
        if (!created.Ok) return Result<Pid>.Failure(created.Error);
        var process = created.Value;
        process.Contract = definition.Topics;
        if (definition.Topics is { Dispatches: true } dispatch) process.DispatchFromCreation(dispatch.DispatchedEvents);
        process.MailboxLimit = options is { MailboxLimit: > 0 } ? options.MailboxLimit : processHost.MailboxLimit;
        process.Supervised = options is { Supervised: true };
        process.Parent = parent?.Pid;
        process.StartSignal = options?.StartSignal;
        process.AwaitsReady = options is { AwaitsReady: true } || definition.SignalsReady;
        if (process.AwaitsReady && process.SignalledReady) process.StartSignal?.TrySetResult(null);
        if (observer is not null) process.AddMonitor(observer);
        if ((mode is SpawnMode.Linked or SpawnMode.LinkedMonitored) && !parent!.LinkNewChild(process))
        {
            // Never started, never scheduled: without Discard, a Lua child's state (up to its ceiling) leaked.
            process.Discard();
            return Result<Pid>.Failure("the spawning process is not alive");
        }
        if (mode is SpawnMode.Monitored or SpawnMode.LinkedMonitored) parent!.MonitorNewChild(process);
        _processes[pid.Id] = process;
        Interlocked.Increment(ref _spawned);
        if (_shutDown)
        {
            process.Terminate("the runtime is shutting down");
            process.Discard();
            return Result<Pid>.Failure("the runtime is shutting down");
        }
        if (options?.RegisterAs is { } name && Registry.Register(name, process) is { Ok: false } registered)
        {
            // Never started: detached from its spawner (which sees neither an Exit nor a LinkDown of it), it ends at
            // once and holds nothing.
            if (observer is not null) process.RemoveMonitor(observer);
            if (mode is SpawnMode.Linked or SpawnMode.LinkedMonitored) parent!.Unlink(pid, process);
            if (mode is SpawnMode.Monitored or SpawnMode.LinkedMonitored) parent!.Unmonitor(pid, process);
            process.Terminate("its name could not be registered: " + registered.Error);
            process.Discard();
            return Result<Pid>.Failure(registered.Error!);
        }
        process.Start();
        return Result<Pid>.Success(pid);
    }

    /// <summary>Sends a message; with <paramref name="call"/>, the request of a call (it carries the call's reply handle).</summary>
    internal static Result SendCore(ProcessCore? sender, Result<Target> to, string topic, object? payload, Call? call = null)
    {
        if (!to.TryGetValue(out var t)) return Result.Failure(to.Error!);
        if (string.IsNullOrEmpty(topic)) return Result.Failure("topic must be a non-empty string");
        if (t.Process is not { } live) return Result.Failure(ProcessNotFound(t.Pid));
        var prepared = Payloads.Prepare(payload);
        if (!prepared.Ok) return Result.Failure(prepared.Error);
        if (live is IPayloadGate gate && gate.CheckPayload(prepared.Value) is { } refused) return Result.Failure(refused);
        if (call?.Attach(live) is { } refusedCall) return Result.Failure(refusedCall);
        // The sender's trace context and the time, only while someone listens (see MessageTrace).
        var trace = ProcessTelemetry.Capturing ? ProcessTelemetry.Capture(sender?.Pid, topic) : null;
        var delivered = live.Deliver(sender?.Pid, topic, prepared.Value, call?.Handle, trace);
        if (delivered.Ok) { if (ProcessTelemetry.MessagesSent.Enabled) ProcessTelemetry.MessagesSent.Add(1); }
        else if (ProcessTelemetry.MessagesRefused.Enabled) ProcessTelemetry.MessagesRefused.Add(1);
        return delivered;
    }

    /// <summary>A call: the request, then the wait for its outcome (see <see cref="Call"/>); the reply must be a
    /// <typeparamref name="T"/>.</summary>
    internal static async ValueTask<Result<T>> CallCore<T>(ProcessCore? caller, Result<Target> to, string topic, object? payload,
        TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!ProcessTelemetry.Source.HasListeners()) return await CallUntraced<T>(caller, to, topic, payload, timeout, null, cancellationToken).ConfigureAwait(true);
        var activity = ProcessTelemetry.StartCall(to, topic);
        Result<T> outcome;
        try
        {
            outcome = await CallUntraced<T>(caller, to, topic, payload, timeout, activity, cancellationToken).ConfigureAwait(true);
        }
        catch (Exception ex)
        {
            ProcessTelemetry.End(activity, ExceptionText.MessageOf(ex));
            throw;
        }
        ProcessTelemetry.End(activity, outcome.Ok ? null : outcome.Error);
        return outcome;
    }

    private static async ValueTask<Result<T>> CallUntraced<T>(ProcessCore? caller, Result<Target> to, string topic, object? payload,
        TimeSpan timeout, System.Diagnostics.Activity? activity, CancellationToken cancellationToken)
    {
        var started = Call.Start(caller, to, topic, payload, timeout);
        if (!started.TryGetValue(out var call)) return Result<T>.Failure(started.Error!);
        try
        {
            // Resumes on the caller's host (process code); a termination of the caller ends the wait (and the call).
            var value = await call.Outcome.ReceiveAsync(cancellationToken).ConfigureAwait(true);
            ProcessTelemetry.LinkReply(activity, call);
            if (call.Error is { } error) return Result<T>.Failure(error);
            if (value is T t) return Result<T>.Success(t);
            if (value is null && default(T) is null) return Result<T>.Success(default!);
            if (NumericPayload.TryConvert(value, typeof(T), out var converted)) return Result<T>.Success((T)converted!);
            return Result<T>.Failure($"the reply to '{topic}' is {value?.GetType().Name ?? "null"}, not {typeof(T).Name}");
        }
        finally
        {
            call.End();
        }
    }

    internal static Result MonitorCore(ProcessCore self, Result<Target> target)
    {
        if (!target.TryGetValue(out var t)) return Result.Failure(target.Error!);
        if (t.Process is null)
        {
            self.DeliverNoProc(t.Pid);
            return Result.Success;
        }
        return self.Monitor(t.Process);
    }

    /// <summary>Stops <paramref name="self"/> watching the target; resolve a name with <c>evenIfEnding</c> (see
    /// <see cref="Resolve(string?, bool)"/>).</summary>
    internal static Result UnmonitorCore(ProcessCore self, Result<Target> target)
    {
        if (!target.TryGetValue(out var t)) return Result.Failure(target.Error!);
        self.Unmonitor(t.Pid, t.Process);
        return Result.Success;
    }

    internal static Result LinkCore(ProcessCore self, Result<Target> target)
    {
        if (!target.TryGetValue(out var t)) return Result.Failure(target.Error!);
        if (t.Process is null) return Result.Failure($"noproc: process {t.Pid} is not alive");
        return self.Link(t.Process);
    }

    internal static Result UnlinkCore(ProcessCore self, Result<Target> target)
    {
        if (!target.TryGetValue(out var t)) return Result.Failure(target.Error!);
        self.Unlink(t.Pid, t.Process);
        return Result.Success;
    }

    private const string TerminatedReason = "terminated";

    /// <summary>True for the exit error of a process ended by <see cref="Terminate(Pid)"/> (from outside or by a process).</summary>
    internal static bool IsTermination(string? error) =>
        error is not null && (error == TerminatedReason || error.StartsWith(TerminatedReason + " by ", StringComparison.Ordinal));

    internal static Result TerminateCore(ProcessCore? self, Result<Target> target)
    {
        if (!target.TryGetValue(out var t)) return Result.Failure(target.Error!);
        if (t.Process is null || !t.Process.Terminate(self is null ? TerminatedReason : $"{TerminatedReason} by {self.Pid}"))
            return Result.Failure(ProcessNotFound(t.Pid));
        return Result.Success;
    }

    /// <summary>The longest reason a Cancel event may carry, in UTF-16 characters.</summary>
    internal const int MaxCancelReasonLength = 1024;

    /// <summary>Sends the target a Cancel event with <paramref name="reason"/> (null: none, an empty string); with a
    /// <paramref name="deadline"/>, also terminates it if it has not ended by then.</summary>
    internal Result CancelCore(ProcessCore? self, Result<Target> target, TimeSpan? deadline, string? reason)
    {
        // Everything is checked before any effect: an error means no Cancel event and no timer.
        if (!target.TryGetValue(out var t)) return Result.Failure(target.Error!);
        // The reason is queued for the target without counting against its mailbox: one process calling cancel in a
        // loop with a megabyte reason put a new copy in the target's event queue at every call (the host's memory).
        if (reason?.Length > MaxCancelReasonLength)
            return Result.Failure($"cancel reason is too long ({reason.Length} characters; the limit is {MaxCancelReasonLength})");
        if (deadline < TimeSpan.Zero) return Result.Failure("deadline must not be negative");
        var now = Now;
        if (deadline > DateTimeOffset.MaxValue - now)
            return Result.Failure($"deadline of {deadline.Value.TotalDays:0} days is too far in the future (it would fall after the year 9999)");
        var process = t.Process;
        if (process is null) return Result.Failure(ProcessNotFound(t.Pid));
        if (deadline is { } d)
        {
            var timer = new CancelTimer(process, d, Time);
            // The timer holds the process: stop it when the process ends first (a long deadline would keep it in memory).
            process.Aborted.UnsafeRegister(static s => ((CancelTimer)s!).Stop(), timer);
        }
        process.CancelRequested = true;
        process.DeliverEvent(new ProcessEvent(ProcessEventKind.Cancel, self?.Pid ?? process.Pid, now) { Deadline = now + deadline, Reason = reason ?? "" });
        return Result.Success;
    }

    private sealed class CancelTimer : LongTimer
    {
        private readonly ProcessCore _process;
        private readonly TimeSpan _deadline;

        public CancelTimer(ProcessCore process, TimeSpan deadline, TimeProvider time)
        {
            _process = process;
            _deadline = deadline;
            Arm(time, deadline);
        }

        protected override void OnDue() => _process.Terminate($"cancelled: deadline of {_deadline.TotalMilliseconds:0}ms exceeded");
    }

    /// <summary>A channel that receives the time once, after <paramref name="delay"/>: at once if it is zero or
    /// negative; any positive <see cref="TimeSpan"/> works (long delays are armed in chunks, see <see cref="LongTimer"/>).</summary>
    internal ProcessChannel<DateTimeOffset> After(ProcessCore? owner, TimeSpan delay)
    {
        var channel = new ProcessChannel<DateTimeOffset>(1, ChannelKind.Timer, owner);
        if (delay <= TimeSpan.Zero)
        {
            channel.TrySendBoxed(Now);
            return channel;
        }
        _ = new AfterTimer(channel, this, delay);
        return channel;
    }

    private sealed class AfterTimer : LongTimer
    {
        private readonly ProcessChannel<DateTimeOffset> _channel;
        private readonly ProcessRuntime _runtime;

        public AfterTimer(ProcessChannel<DateTimeOffset> channel, ProcessRuntime runtime, TimeSpan delay)
        {
            _channel = channel;
            _runtime = runtime;
            Arm(runtime.Time, delay);
        }

        protected override void OnDue() => _channel.TrySendBoxed(_runtime.Now);
    }

    // ---- bookkeeping and logging -----------------------------------------------------------------------------

    internal void OnExited(ProcessCore process, ExitInfo info, List<string>? names)
    {
        _processes.TryRemove(process.Pid.Id, out _);
        Interlocked.Increment(ref _exited);
        if (ProcessTelemetry.Exits.Enabled || ProcessTelemetry.Source.HasListeners()) ProcessTelemetry.RecordExit(process.Pid, info);
        if (names is { Count: > 0 }) Registry.Release(process, names);
        if (info.Error is not null) Log(process.Pid, LogLevel.Debug, static (l, a) => RuntimeLog.ExitedWithError(l, a.Item1, a.Item2), (process.Pid, info.Error));
    }

    internal void LogCrash(ProcessCore process, Exception ex, string error) =>
        Log(process.Pid, LogLevel.Warning, static (l, a) =>
        {
            try
            {
                RuntimeLog.Crashed(l, a.ex, a.Pid, a.error);
            }
            catch (Exception) // a logger that formats the exception may run its throwing ToString: log without it
            {
                RuntimeLog.Crashed(l, null, a.Pid, a.error);
            }
        }, (process.Pid, ex, error));

    internal void LogLinkKill(ProcessCore killed, ProcessCore cause, ExitInfo info) =>
        Log(killed.Pid, LogLevel.Debug, static (l, a) => RuntimeLog.LinkKilled(l, a.Item1, a.Item2, a.Item3),
            (killed.Pid, cause.Pid, info.Root));

    internal void LogPrint(ProcessCore process, string text) =>
        Log(static (_, a) => RuntimeLog.Printed(a.Item1, a.Item2, a.Item3), (_processLog, process.Pid, text));

    /// <summary>A message the receiver refused (its contract or a typed listener): counted and logged as a warning.</summary>
    internal void DeadLetter(ProcessCore process, Pid? from, string topic, string why)
    {
        Interlocked.Increment(ref _deadLetters);
        if (ProcessTelemetry.DeadLetters.Enabled) ProcessTelemetry.DeadLetters.Add(1);
        Log(process.Pid, LogLevel.Warning, static (l, a) => RuntimeLog.DeadLetter(l, a.Item1, a.Item2, a.Item3, a.Item4), (process.Pid, topic, from, why));
    }

    /// <summary>
    /// Runs a logging call, swallowing what the logger throws: logging happens inside exits, sends and worker loops,
    /// where a throwing logger (a user's provider, or one formatting a process's throwing exception) must not end
    /// a worker, the .NET process, or an exit half-way. There is nowhere left to report the logger's own failure.
    /// </summary>
    private void Log<TArgs>(Action<ILogger, TArgs> write, TArgs args)
    {
        try
        {
            write(RuntimeLogger, args);
        }
        catch (Exception)
        {
        }
    }

    /// <summary>
    /// <see cref="Log{TArgs}(Action{ILogger, TArgs}, TArgs)"/> about one process: the message is written inside a log
    /// scope holding its <c>Pid</c> and <c>Entry</c> (opened only when the level is on, so a disabled level costs one check).
    /// </summary>
    private void Log<TArgs>(Pid pid, LogLevel level, Action<ILogger, TArgs> write, TArgs args) =>
        Log(static (l, a) =>
        {
            if (!l.IsEnabled(a.level)) return;
            using var scope = l.BeginScope(new ProcessLogScope(a.pid));
            a.write(l, a.args);
        }, (pid, level, write, args));

    /// <summary>A process's services (<see cref="ProcessRuntimeOptions.ProcessServices"/>, or none).</summary>
    internal IServiceProvider CreateServices(Pid pid) => _processServices?.Invoke(pid) ?? ProcessServices.None;

    internal void LogServicesDisposeFailed(Pid pid, Exception ex) =>
        Log(pid, LogLevel.Warning, static (l, a) => RuntimeLog.ServicesDisposeFailed(l, a.ex, a.pid), (pid, ex));

    // ---- shutdown --------------------------------------------------------------------------------------------

    /// <summary>
    /// Stops the runtime: refuses new spawns; if <paramref name="grace"/> is positive, sends every process a Cancel
    /// event with that deadline and waits for them to end; terminates what is left; stops the hosts' workers.
    /// Returns the processes that were running and any workers that did not stop (stuck in process code).
    /// </summary>
    public async Task<ShutdownReport> ShutdownAsync(TimeSpan grace = default)
    {
        if (_shutDown) return new ShutdownReport([], new Dictionary<string, int>());
        _shutDown = true;
        var running = _processes.Values.Where(p => p.IsAlive).ToList();
        if (grace > TimeSpan.Zero && running.Count > 0)
        {
            // Any grace works: Task.Delay takes at most ~49.7 days (longer: wait for the processes alone), and a
            // deadline beyond the year 9999 is capped for the Cancel events.
            var cap = DateTimeOffset.MaxValue - Now - TimeSpan.FromDays(1);
            if (grace > cap) grace = cap;
            var waits = running.Select(p => WaitForExitAsync(p.Pid)).ToList();
            // Supervised children are stopped by their supervisors, in reverse start order, each within its shutdown
            // timeout; the grace still bounds everything (what is left at its end is terminated below).
            foreach (var p in running)
                if (!p.Supervised) CancelCore(null, Resolve(p.Pid), grace, "the runtime is shutting down");
            var wait = grace < LongTimer.MaxChunk - TimeSpan.FromSeconds(1) ? grace + TimeSpan.FromMilliseconds(50) : Timeout.InfiniteTimeSpan;
            await Task.WhenAny(Task.WhenAll(waits), Task.Delay(wait)).ConfigureAwait(false);
        }
        foreach (var p in _processes.Values) p.Terminate("the runtime is shutting down");
        var stuck = new Dictionary<string, int>();
        await Task.Run(() =>
        {
            foreach (var host in Hosts.All)
            {
                var n = host.Scheduler.Stop(TimeSpan.FromSeconds(2));
                if (n > 0) stuck[host.Reference] = n;
                host.OnStopped();
            }
        }).ConfigureAwait(false);
        foreach (var (host, n) in stuck)
            Log(static (l, a) => RuntimeLog.WorkersStuck(l, a.host, a.n), (host, n));
        ProcessTelemetry.Unregister(this);
        return new ShutdownReport(running.Select(p => p.Pid).ToList(), stuck);
    }

    /// <summary>Shuts down with no grace period.</summary>
    public async ValueTask DisposeAsync() => await ShutdownAsync().ConfigureAwait(false);
}
