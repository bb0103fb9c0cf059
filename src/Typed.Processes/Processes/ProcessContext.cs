namespace Typed.Processes;

/// <summary>
/// A process's own view of the runtime: identity, messaging, events, monitors, links, registry, channels and time.
/// Handed to a C# process's <see cref="ProcessMain"/>; the Lua binding calls the same members, so C# and Lua
/// processes behave alike. Members that take a target accept a <see cref="Pid"/>, a PID's text form, or a
/// registered name. Blocking members suspend only this process and throw <see cref="ProcessTerminatedException"/>
/// once it has been terminated.
/// </summary>
public sealed class ProcessContext
{
    internal ProcessContext(ProcessCore core) => Core = core;

    internal ProcessCore Core { get; }

    /// <summary>This process's PID.</summary>
    public Pid Self => Core.Pid;

    /// <summary>The runtime the process runs in.</summary>
    public ProcessRuntime Runtime => Core.Runtime;

    /// <summary>The arguments given to spawn.</summary>
    public IReadOnlyList<object?> Args => Core.Args;

    /// <summary>
    /// This process's services: made on first use by <see cref="ProcessRuntimeOptions.ProcessServices"/> (in a .NET
    /// host, a dependency-injection scope of its own) and disposed when the process ends; without that option, a
    /// provider with no services. Throws <see cref="ProcessTerminatedException"/> once the process has ended.
    /// </summary>
    public IServiceProvider Services => Core.Services;

    /// <summary>Cancelled when the process is terminated (pass it to non-process APIs you await).</summary>
    public CancellationToken Aborted => Core.Aborted;

    /// <summary>The argument at <paramref name="index"/> as <typeparamref name="T"/> (a clear error if absent or of another type).</summary>
    public T Arg<T>(int index)
    {
        if (index < 0 || index >= Core.Args.Length)
            throw new ProcessException($"{Self} was spawned with {Core.Args.Length} argument(s); argument {index} is missing");
        return Core.Args[index] is T t ? t
            : Core.Args[index] is null && default(T) is null ? default!
            : NumericPayload.TryConvert(Core.Args[index], typeof(T), out var converted) ? (T)converted!
            : throw new ProcessException($"argument {index} of {Self} is {Core.Args[index]?.GetType().Name ?? "null"}, not {typeof(T).Name}");
    }

    // ---- spawning --------------------------------------------------------------------------------------------

    /// <summary>Starts a process from <paramref name="entry"/> on <paramref name="host"/>.</summary>
    public Result<Pid> Spawn([EntryReference] string entry, [HostReference] string host, params object?[] args) => Runtime.SpawnCore(entry, host, args, Core, SpawnMode.Plain);

    /// <summary>Starts a process and monitors it atomically: exactly one Exit event arrives when it ends.</summary>
    public Result<Pid> SpawnMonitored([EntryReference] string entry, [HostReference] string host, params object?[] args) => Runtime.SpawnCore(entry, host, args, Core, SpawnMode.Monitored);

    /// <summary>Starts a process linked to this one atomically.</summary>
    public Result<Pid> SpawnLinked([EntryReference] string entry, [HostReference] string host, params object?[] args) => Runtime.SpawnCore(entry, host, args, Core, SpawnMode.Linked);

    /// <summary>As <see cref="Spawn(string, string, object?[])"/>, with per-spawn settings (e.g. the child's mailbox limit).</summary>
    public Result<Pid> Spawn(SpawnOptions options, [EntryReference] string entry, [HostReference] string host, params object?[] args) =>
        Runtime.SpawnCore(entry, host, args, Core, SpawnMode.Plain, options: options);

    /// <summary>As <see cref="SpawnMonitored(string, string, object?[])"/>, with per-spawn settings.</summary>
    public Result<Pid> SpawnMonitored(SpawnOptions options, [EntryReference] string entry, [HostReference] string host, params object?[] args) =>
        Runtime.SpawnCore(entry, host, args, Core, SpawnMode.Monitored, options: options);

    /// <summary>As <see cref="SpawnLinked(string, string, object?[])"/>, with per-spawn settings.</summary>
    public Result<Pid> SpawnLinked(SpawnOptions options, [EntryReference] string entry, [HostReference] string host, params object?[] args) =>
        Runtime.SpawnCore(entry, host, args, Core, SpawnMode.Linked, options: options);

    /// <summary>Starts a process linked to this one and monitored by it, both atomically (Wippy's
    /// <c>spawn_linked_monitored</c>): exactly one Exit event arrives when it ends, and a failure of either side
    /// reaches the other as through <see cref="SpawnLinked(string, string, object?[])"/>.</summary>
    public Result<Pid> SpawnLinkedMonitored([EntryReference] string entry, [HostReference] string host, params object?[] args) =>
        Runtime.SpawnCore(entry, host, args, Core, SpawnMode.LinkedMonitored);

    /// <summary>As <see cref="SpawnLinkedMonitored(string, string, object?[])"/>, with per-spawn settings.</summary>
    public Result<Pid> SpawnLinkedMonitored(SpawnOptions options, [EntryReference] string entry, [HostReference] string host, params object?[] args) =>
        Runtime.SpawnCore(entry, host, args, Core, SpawnMode.LinkedMonitored, options: options);

    // ---- messages --------------------------------------------------------------------------------------------

    /// <summary>Sends <paramref name="payload"/> to <paramref name="to"/> on <paramref name="topic"/>.</summary>
    public Result Send(Pid to, [TopicName] string topic, object? payload) => ProcessRuntime.SendCore(Core, Runtime.Resolve(to), topic, payload);

    /// <summary>Sends to a PID's text form or a registered name.</summary>
    public Result Send(string to, [TopicName] string topic, object? payload) => ProcessRuntime.SendCore(Core, Runtime.Resolve(to), topic, payload);

    /// <inheritdoc cref="CallAsync{T}(Pid, string, object?, TimeSpan, CancellationToken)"/>
    public ValueTask<Result<T>> CallAsync<T>(Pid to, [TopicName] string topic, object? payload, TimeSpan timeout) =>
        ProcessRuntime.CallCore<T>(Core, Runtime.Resolve(to), topic, payload, timeout, CancellationToken.None);

    /// <summary>
    /// Calls <paramref name="to"/>: sends <paramref name="payload"/> on <paramref name="topic"/> as a call (its
    /// <see cref="Message"/> carries a <see cref="ReplyHandle"/>) and waits, without blocking a thread, for the one reply
    /// to it, which must be a <typeparamref name="T"/>. Replies are correlated per call, so concurrent calls never mix.
    /// The target is observed for the duration of the call: a target that is not alive, that ends or fails before
    /// answering, gives an error at once (with its error text); no answer within <paramref name="timeout"/> is an error,
    /// and a reply given after that is dropped. A reply of another type is an error. A process cannot call itself
    /// (an error at once: it could never answer). <paramref name="cancellationToken"/> ends the wait with
    /// <see cref="OperationCanceledException"/>; a termination of this process with <see cref="ProcessTerminatedException"/>.
    /// The receiver answers with <see cref="Message.Reply"/> / <see cref="MessageContext.Reply(object?)"/>; a topic it
    /// listens to for payloads only (<see cref="Listen{T}"/>) cannot take calls (an error at once).
    /// </summary>
    public ValueTask<Result<T>> CallAsync<T>(Pid to, [TopicName] string topic, object? payload, TimeSpan timeout, CancellationToken cancellationToken) =>
        ProcessRuntime.CallCore<T>(Core, Runtime.Resolve(to), topic, payload, timeout, cancellationToken);

    /// <inheritdoc cref="CallAsync{T}(string, string, object?, TimeSpan, CancellationToken)"/>
    public ValueTask<Result<T>> CallAsync<T>(string to, [TopicName] string topic, object? payload, TimeSpan timeout) =>
        ProcessRuntime.CallCore<T>(Core, Runtime.Resolve(to), topic, payload, timeout, CancellationToken.None);

    /// <summary>Calls a PID's text form or a registered name (see <see cref="CallAsync{T}(Pid, string, object?, TimeSpan, CancellationToken)"/>).</summary>
    public ValueTask<Result<T>> CallAsync<T>(string to, [TopicName] string topic, object? payload, TimeSpan timeout, CancellationToken cancellationToken) =>
        ProcessRuntime.CallCore<T>(Core, Runtime.Resolve(to), topic, payload, timeout, cancellationToken);

    /// <summary>Listens to <paramref name="topic"/>: its payloads arrive on the returned channel.</summary>
    public ProcessChannel<object?> Listen(string topic) => Listen<object?>(topic);

    /// <summary>Listens to <paramref name="topic"/> with typed payloads; a sender whose payload is not a
    /// <typeparamref name="T"/> gets an error.</summary>
    public ProcessChannel<T> Listen<T>(string topic)
    {
        var r = Core.Listen(topic, new PayloadListener<T>(new ProcessChannel<T>(-1, ChannelKind.Topic, Core)));
        return (ProcessChannel<T>)r.Value;
    }

    /// <summary>
    /// Listens to <paramref name="topic"/> for payloads of <typeparamref name="TPayload"/> (others are refused to the
    /// sender) and delivers whole <see cref="Message"/> objects into <paramref name="into"/>, a channel several topics may
    /// share (so one receive sees them in arrival order), or into a new channel when it is null. Used by generated entries.
    /// </summary>
    [System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)] // generated code calls it
    public Result<ProcessChannel<Message>> ListenMessages<TPayload>(string topic, ProcessChannel<Message>? into)
    {
        if (CheckTarget(into) is { } wrong) return Result<ProcessChannel<Message>>.Failure(wrong);
        into?.CountAsMailbox(); // what it holds counts against the mailbox limit, as a topic channel's does
        var r = Core.Listen(topic, new TypedMessageListener<TPayload>(into ?? new ProcessChannel<Message>(-1, ChannelKind.Topic, Core)));
        return r.Ok ? Result<ProcessChannel<Message>>.Success((ProcessChannel<Message>)r.Value) : Result<ProcessChannel<Message>>.Failure(r.Error!);
    }

    private string? CheckTarget(ProcessChannel<Message>? into) =>
        into is not null && (!ReferenceEquals(into.Owner, Core) || into.Kind is not (ChannelKind.Topic or ChannelKind.Local) || into.Capacity >= 0)
            ? "the target channel must be an unbounded channel of this process"
            : null;

    /// <summary>
    /// Routes the inbox into <paramref name="into"/> (when null: the channel it is already routed into, else a new
    /// one): from now on every message no listener
    /// takes is delivered there, after the ones already waiting in the inbox, which move first, in order. With the
    /// topics' <see cref="ListenMessages{TPayload}(string, ProcessChannel{Message}?)"/> channel as the target, one
    /// receive sees every message in arrival order. Afterwards <see cref="Inbox"/> returns that channel; the mailbox
    /// limit counts what it holds; messages keep their <see cref="Message.ReplyTo"/>. A topic listened to later does not
    /// take messages already routed. Used by generated entries.
    /// </summary>
    [System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)] // generated code calls it
    public Result<ProcessChannel<Message>> RouteInbox(ProcessChannel<Message>? into)
    {
        if (CheckTarget(into) is { } wrong) return Result<ProcessChannel<Message>>.Failure(wrong);
        into ??= Core.InboxTarget ?? new ProcessChannel<Message>(-1, ChannelKind.Topic, Core);
        return Core.RouteInbox(into)
            ? Result<ProcessChannel<Message>>.Success(into)
            : Result<ProcessChannel<Message>>.Failure("the inbox is already routed into another channel");
    }

    /// <summary>
    /// Routes events of <paramref name="kinds"/> into <paramref name="into"/> (a new channel when null), as
    /// <see cref="Message"/> objects whose <see cref="Message.Event"/> is the event (user code cannot make such a
    /// message), queued behind the messages that arrived before the event: a process that sends a message and then
    /// ends has its message received before its Exit. Events of these kinds already waiting move first, in order; other
    /// kinds stay on <see cref="Events"/>. Events are never counted against the mailbox limit. Unmonitor and Unlink
    /// remove queued events from the routed channel too. Used by generated entries with event handlers.
    /// </summary>
    [System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)] // generated code calls it
    public Result<ProcessChannel<Message>> RouteEvents(ProcessChannel<Message>? into, params ProcessEventKind[] kinds)
    {
        if (CheckTarget(into) is { } wrong) return Result<ProcessChannel<Message>>.Failure(wrong);
        if (kinds is null) return Result<ProcessChannel<Message>>.Failure("kinds is null");
        int bits = 0;
        foreach (var kind in kinds)
        {
            if (kind is < ProcessEventKind.Exit or > ProcessEventKind.Cancel) return Result<ProcessChannel<Message>>.Failure($"unknown event kind {kind}");
            bits |= 1 << (int)kind;
        }
        into ??= new ProcessChannel<Message>(-1, ChannelKind.Topic, Core);
        return Core.RouteEvents(into, bits)
            ? Result<ProcessChannel<Message>>.Success(into)
            : Result<ProcessChannel<Message>>.Failure("events are already routed into another channel");
    }

    /// <summary>
    /// For a Cancel event with a deadline: a token cancelled at that deadline (when the runtime terminates the process
    /// unless it has ended), or earlier if the process ends first; pass it to work that must stop in time. For any
    /// other event (or a Cancel without a deadline) it is <see cref="Aborted"/>.
    /// </summary>
    public CancellationToken DeadlineToken(ProcessEvent cancel)
    {
        ArgumentNullException.ThrowIfNull(cancel);
        if (cancel.Kind != ProcessEventKind.Cancel || cancel.Deadline is not { } deadline) return Aborted;
        var aborted = Aborted;
        var due = deadline - Runtime.Now;
        if (due <= TimeSpan.Zero || aborted.IsCancellationRequested) return new CancellationToken(canceled: true);
        return DeadlineTimer.Start(Runtime.Time, due, aborted);
    }

    /// <summary>Listens to <paramref name="topic"/>: whole <see cref="Message"/> objects (sender, topic, payload) arrive.</summary>
    public ProcessChannel<Message> ListenMessages(string topic)
    {
        var r = Core.Listen(topic, new MessageListener(new ProcessChannel<Message>(-1, ChannelKind.Topic, Core)));
        return (ProcessChannel<Message>)r.Value;
    }

    /// <summary>Stops listening to <paramref name="topic"/>; later messages of it go to the inbox.</summary>
    public bool Unlisten(string topic) => Core.Unlisten(topic);

    /// <summary>The inbox: messages whose topic has no listener when they are received, oldest first (the channel
    /// they are routed into, after <see cref="RouteInbox"/>).</summary>
    public ProcessChannel<Message> Inbox() => Core.Inbox();

    /// <summary>This process's events: Exit (monitored processes), LinkDown (trapped links), Cancel (except the kinds
    /// routed elsewhere with <see cref="RouteEvents"/>).</summary>
    public ProcessChannel<ProcessEvent> Events() => Core.Events;

    // ---- monitors and links ----------------------------------------------------------------------------------

    /// <summary>Monitors a process: one Exit event arrives when it ends (at once if it already has).</summary>
    public Result Monitor(Pid target) => ProcessRuntime.MonitorCore(Core, Runtime.Resolve(target));

    /// <inheritdoc cref="Monitor(Pid)"/>
    public Result Monitor(string target) => ProcessRuntime.MonitorCore(Core, Runtime.Resolve(target));

    /// <summary>Stops monitoring; no Exit event of <paramref name="target"/> is received after this returns.</summary>
    public Result Unmonitor(Pid target) => ProcessRuntime.UnmonitorCore(Core, Runtime.Resolve(target));

    /// <inheritdoc cref="Unmonitor(Pid)"/>
    public Result Unmonitor(string target) => ProcessRuntime.UnmonitorCore(Core, Runtime.Resolve(target, evenIfEnding: true));

    /// <summary>Links this process and <paramref name="target"/> (bidirectional, at most one link per pair).</summary>
    public Result Link(Pid target) => ProcessRuntime.LinkCore(Core, Runtime.Resolve(target));

    /// <inheritdoc cref="Link(Pid)"/>
    public Result Link(string target) => ProcessRuntime.LinkCore(Core, Runtime.Resolve(target));

    /// <summary>Removes the link; no LinkDown from <paramref name="target"/> is received after this returns.</summary>
    public Result Unlink(Pid target) => ProcessRuntime.UnlinkCore(Core, Runtime.Resolve(target));

    /// <inheritdoc cref="Unlink(Pid)"/>
    public Result Unlink(string target) => ProcessRuntime.UnlinkCore(Core, Runtime.Resolve(target));

    /// <summary>Ends <paramref name="target"/> at once with an error (its monitors and links see a failure).</summary>
    public Result Terminate(Pid target) => ProcessRuntime.TerminateCore(Core, Runtime.Resolve(target));

    /// <inheritdoc cref="Terminate(Pid)"/>
    public Result Terminate(string target) => ProcessRuntime.TerminateCore(Core, Runtime.Resolve(target));

    /// <summary>Asks <paramref name="target"/> to stop: it gets a Cancel event; if still running after
    /// <paramref name="deadline"/>, it is terminated.</summary>
    public Result Cancel(Pid target, TimeSpan deadline) => Runtime.CancelCore(Core, Runtime.Resolve(target), deadline, null);

    /// <inheritdoc cref="Cancel(Pid, TimeSpan)"/>
    public Result Cancel(string target, TimeSpan deadline) => Runtime.CancelCore(Core, Runtime.Resolve(target), deadline, null);

    /// <summary>Asks <paramref name="target"/> to stop: it gets a Cancel event with no reason and no deadline (it
    /// decides what to do; nothing else happens).</summary>
    public Result Cancel(Pid target) => Runtime.CancelCore(Core, Runtime.Resolve(target), null, null);

    /// <inheritdoc cref="Cancel(Pid)"/>
    public Result Cancel(string target) => Runtime.CancelCore(Core, Runtime.Resolve(target), null, null);

    /// <summary>Asks <paramref name="target"/> to stop, saying why: it gets a Cancel event with
    /// <paramref name="reason"/> and no deadline (nothing else happens).</summary>
    public Result Cancel(Pid target, string reason) => Runtime.CancelCore(Core, Runtime.Resolve(target), null, reason);

    /// <inheritdoc cref="Cancel(Pid, string)"/>
    public Result Cancel(string target, string reason) => Runtime.CancelCore(Core, Runtime.Resolve(target), null, reason);

    /// <summary>The current options.</summary>
    public ProcessOptions GetOptions() => new() { TrapLinks = Core.TrapLinks };

    /// <summary>Sets options (trap links).</summary>
    public Result SetOptions(ProcessOptions options)
    {
        if (options is null) return Result.Failure("options is null");
        Core.TrapLinks = options.TrapLinks;
        return Result.Success;
    }

    // ---- registry --------------------------------------------------------------------------------------------

    /// <summary>Registers <paramref name="name"/> for this process.</summary>
    public Result Register(string name) => Runtime.Registry.Register(name, Core);

    /// <summary>Registers <paramref name="name"/> for another process.</summary>
    public Result Register(string name, Pid pid) => Runtime.Registry.Register(name, pid);

    /// <summary>The PID registered under <paramref name="name"/>.</summary>
    public Result<Pid> Lookup(string name) => Runtime.Registry.Lookup(name);

    /// <summary>Removes a name; true if it was registered.</summary>
    public bool Unregister(string name) => Runtime.Registry.Unregister(name);

    // ---- channels and time -----------------------------------------------------------------------------------

    /// <summary>A process-local channel: 0 = unbuffered, n = buffered.</summary>
    public ProcessChannel<T> NewChannel<T>(int capacity = 0)
    {
        if (capacity < 0) throw new ArgumentOutOfRangeException(nameof(capacity), "capacity must be 0 or more");
        return new ProcessChannel<T>(capacity, ChannelKind.Local, Core);
    }

    /// <summary>A channel that receives the current time once, after <paramref name="delay"/>.</summary>
    public ProcessChannel<DateTimeOffset> After(TimeSpan delay) => Runtime.After(Core, delay);

    /// <summary>Suspends this process (not its worker) for <paramref name="delay"/>.</summary>
    public async ValueTask Sleep(TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero) return;
        await After(delay).ReceiveAsync().ConfigureAwait(true);
    }

    /// <summary>Waits until one case is ready and commits exactly that one.</summary>
    public ValueTask<SelectResult> Select(params SelectCase[] cases) => Select(cases, CancellationToken.None);

    /// <summary>Waits until one case is ready and commits exactly that one; cases are polled in order.</summary>
    public ValueTask<SelectResult> Select(SelectCase[] cases, CancellationToken cancellationToken)
    {
        if (cases is null || cases.Length == 0) throw new ArgumentException("select needs at least one case", nameof(cases));
        int i = ProcessChannel.SelectCore(cases, null, out var value, out var ok);
        if (i >= 0) return new ValueTask<SelectResult>(new SelectResult(i, cases[i].Channel, value, ok, false));
        var waiter = new SelectWaiter(cases, Core, cancellationToken);
        i = ProcessChannel.SelectCore(cases, waiter, out value, out ok);
        if (i >= 0) // became ready between the two polls: committed, the waiter was never queued
            return new ValueTask<SelectResult>(new SelectResult(i, cases[i].Channel, value, ok, false));
        waiter.Begin(); // after queuing: a termination from here on aborts the wait
        return new ValueTask<SelectResult>(waiter, waiter.Version);
    }

    /// <summary>A non-blocking select: commits a ready case, or returns a result with <see cref="SelectResult.IsDefault"/>.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "Part of the process's API, beside SelectAsync; static would change the public shape.")]
    public SelectResult TrySelect(params SelectCase[] cases)
    {
        if (cases is null || cases.Length == 0) throw new ArgumentException("select needs at least one case", nameof(cases));
        int i = ProcessChannel.SelectCore(cases, null, out var value, out var ok);
        return i >= 0 ? new SelectResult(i, cases[i].Channel, value, ok, false) : new SelectResult(-1, null, null, false, true);
    }

    /// <summary>Writes <paramref name="text"/> to the runtime's log with this process's PID.</summary>
    public void Log(string text) => Runtime.LogPrint(Core, text);

    /// <summary>
    /// Says that this process is ready: a supervisor child declared with <see cref="ChildSpec.SignalsReady"/> (a service
    /// with <c>lifecycle.readiness: signal</c>) counts as started only now, so its supervisor's start, the services that
    /// require it and the application's start wait for this call. True if such a wait ended here; false otherwise (not
    /// such a child, or called before), when it does nothing.
    /// </summary>
    public bool SignalReady() => Core.SignalReady();
}
