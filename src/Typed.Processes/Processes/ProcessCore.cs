using Microsoft.Extensions.Logging;
using Typed.Processes.Channels;
using Typed.Processes.Hosting;

namespace Typed.Processes;

/// <summary>
/// The runtime's side of a process, whatever language it is written in: identity, mailbox, event channel,
/// monitors, links, names and its end. Language bindings (C#, Lua) derive from it and decide how code runs.
/// Locks: <see cref="Gate"/> guards state, links, monitors and mailbox routing (listeners, inbox).
/// Lock order: at most two gates at once, in Pid order; a gate may be held while taking channel locks (leaves).
/// </summary>
internal abstract partial class ProcessCore : HostWorkItem, IExitObserver, IChannelOwner
{
    private const int Created = 0, Running = 1, Dead = 2;

    private object Gate => this; // internal type: nothing else locks a process object
    private int _state;
    private ExitInfo? _exit;
    private List<ProcessCore>? _links;
    private List<IExitObserver>? _monitors;
    private HashSet<ProcessCore>? _monitoring;
    private List<string>? _names;
    private ProcessChannel<Message>? _inbox;
    private ProcessChannel<Message>? _inboxInto; // set by RouteInbox: where the inbox's messages go instead
    private string? _topic1;              // the first listener is kept out of the dictionary (most processes have one)
    private TopicListener? _listener1;
    private Dictionary<string, TopicListener>? _listeners;
    private ProcessChannel<ProcessEvent>? _events;
    private ProcessChannel<Message>? _eventsInto; // set by RouteEvents: where the routed kinds of events go instead
    private int _routedEvents;                    // bit (1 << kind) per routed ProcessEventKind
    private Lock? _eventsLock;                    // orders event deliveries with RouteEvents (created on first event)
    private Waiter? _waiter;
    private CancellationTokenSource? _aborted;
    private ProcessContext? _context;
    private bool _inboxExposed;
    private HashSet<Call>? _calls; // the calls this process waits for (see Call)
    private IServiceProvider? _services; // its services (created on first use), ServicesEnded once it has died

    /// <summary>The topics the entry declares (generated C# entries); null when it takes any topic.</summary>
    internal TopicContract? Contract;

    /// <summary>How many messages may wait for this process (queued, not yet received); set at spawn, before it starts.</summary>
    internal int MailboxLimit = HostOptions.DefaultMailboxLimit;

    /// <summary>Messages buffered in this process's mailbox channels (inbox, topic listeners) and not yet received.
    /// Incremented and decremented by those channels under their locks (<see cref="MailboxQueued"/>,
    /// <see cref="MailboxTaken"/>); read by
    /// <see cref="Deliver"/> under the gate, which serialises the increments of routed messages.</summary>
    internal int Queued;

    /// <summary>
    /// Set by a binding (in its constructor) that overrides <see cref="OnMessageQueuing"/> and
    /// <see cref="OnMessageReleased"/>; when false (C# processes) the runtime never calls them.
    /// </summary>
    internal bool MailboxHooks { get; init; }

    protected ProcessCore(ProcessRuntime runtime, ProcessHost host, Pid pid, object?[] args)
    {
        Runtime = runtime;
        Host = host;
        Pid = pid;
        Args = args;
    }

    public ProcessRuntime Runtime { get; }

    public ProcessHost Host { get; }

    public Pid Pid { get; }

    public object?[] Args { get; }

    public ProcessContext Context => _context ??= new ProcessContext(this);

    public bool IsAlive => Volatile.Read(ref _state) != Dead;

    public bool TrapLinks { get; set; }

    /// <summary>A supervisor's child (set at spawn): the runtime's shutdown leaves its stop to the supervisor.</summary>
    internal bool Supervised { get; set; }

    /// <summary>
    /// Set at spawn by a supervisor that waits for this child to be started (<see cref="SpawnOptions.StartSignal"/>):
    /// completed with null when its main begins running (or, with <see cref="AwaitsReady"/>, when it calls
    /// <see cref="SignalReady"/>), or with why it ended first.
    /// </summary>
    internal TaskCompletionSource<string?>? StartSignal { get; set; }

    /// <summary>True: <see cref="StartSignal"/> waits for <see cref="SignalReady"/>, not for the end of main's first run.</summary>
    internal bool AwaitsReady { get; set; }

    /// <summary>A supervisor process that is starting its children (set by <see cref="SupervisorProcess"/>): a supervisor
    /// entry under it that runs the same entry would start copies of itself without end.</summary>
    internal volatile bool SupervisorStarting;

    /// <summary>The first process this one is linked to (at its first run: the spawner of a linked spawn), or null.</summary>
    internal Pid? FirstLink()
    {
        lock (Gate) return _links is { Count: > 0 } links ? links[0].Pid : null;
    }

    /// <summary>Called by the bindings when main's first run has ended (its first wait, preemption or end, before the
    /// exit is recorded): a supervisor waiting for a start without readiness goes on then.</summary>
    internal void MainRuns()
    {
        if (StartSignal is { } signal && !AwaitsReady) signal.TrySetResult(null);
    }

    /// <summary>The process says it is ready (<see cref="ProcessContext.SignalReady"/>, Lua's <c>process.ready()</c>):
    /// true if a supervisor waited for that.</summary>
    internal bool SignalReady()
    {
        SignalledReady = true;
        return StartSignal is { } signal && AwaitsReady && signal.TrySetResult(null);
    }

    /// <summary>The process has called <see cref="SignalReady"/>, perhaps before a supervisor's wait was attached (a Lua
    /// chunk's top level runs at spawn): the spawn completes <see cref="StartSignal"/> then.</summary>
    internal bool SignalledReady { get; private set; }

    internal ExitInfo? ExitInfo => _exit;

    /// <summary>Marks <see cref="_services"/> once the process has died: no services are created after that.</summary>
    private static readonly IServiceProvider ServicesEnded = new ProcessServices.Empty();

    /// <summary>
    /// Its services (<see cref="ProcessContext.Services"/>): created by <see cref="ProcessRuntimeOptions.ProcessServices"/>
    /// on first use, disposed at exit. Throws <see cref="ProcessTerminatedException"/> once the process has ended.
    /// </summary>
    public IServiceProvider Services
    {
        get
        {
            var current = Volatile.Read(ref _services);
            if (current is null)
            {
                var created = Runtime.CreateServices(Pid);
                current = Interlocked.CompareExchange(ref _services, created, null) ?? created;
                if (!ReferenceEquals(current, created)) ProcessServices.Dispose(Runtime, Pid, created);
                else if (!IsAlive) EndServices(); // it died meanwhile: ExitCore may have missed what we just set
                current = Volatile.Read(ref _services);
            }
            if (ReferenceEquals(current, ServicesEnded)) throw new ProcessTerminatedException(ExitInfo?.Error ?? "process ended");
            return current!;
        }
    }

    private void EndServices()
    {
        var services = Interlocked.Exchange(ref _services, ServicesEnded);
        if (services is not null && !ReferenceEquals(services, ServicesEnded)) ProcessServices.Dispose(Runtime, Pid, services);
    }

    /// <summary>Cancelled when the process dies (created on first use).</summary>
    public CancellationToken Aborted
    {
        get
        {
            if (_aborted is null)
            {
                var cts = new CancellationTokenSource();
                if (Interlocked.CompareExchange(ref _aborted, cts, null) != null) cts.Dispose();
                else if (!IsAlive) _aborted.Cancel();
            }
            return _aborted!.Token;
        }
    }

    // ---- lifecycle -------------------------------------------------------------------------------------------

    /// <summary>Schedules the first run. Called once, after links/monitors from spawn are in place.</summary>
    internal void Start()
    {
        Interlocked.CompareExchange(ref _state, Running, Created);
        Host.Scheduler.Schedule(this);
    }

    /// <summary>Ends the process. False if it had already ended. Propagates along links (iteratively).</summary>
    internal bool Exit(ExitInfo info)
    {
        var links = ExitCore(info);
        if (links is null) return false;
        PropagateLinks(this, info, links);
        return true;
    }

    /// <summary>Kills the process from outside (terminate, link failure, shutdown).</summary>
    internal bool Terminate(string reason) => Exit(ExitInfo.Failed(reason) with { Terminated = true });

    /// <summary>The span of the message this process's code took last (<c>process.receive</c>), current for its code
    /// until its next receive or its end; see <see cref="Telemetry.ProcessTelemetry.Received"/>.</summary>
    internal System.Diagnostics.Activity? ReceiveSpan;

    /// <summary>Marks dead, notifies monitors, releases names; returns the links to propagate to (null if already dead).</summary>
    private List<ProcessCore>? ExitCore(ExitInfo info)
    {
        List<ProcessCore>? links;
        HashSet<ProcessCore>? monitoring;
        List<IExitObserver>? watchers;
        List<string>? names;
        HashSet<Call>? calls;
        lock (Gate)
        {
            if (_state == Dead) return null;
            _state = Dead;
            _exit = info;
            // Under the gate: a concurrent Unmonitor either removed its observer first, or finds the event queued and purges it.
            watchers = _monitors;
            if (watchers is not null)
                foreach (var m in watchers) m.OnExit(this, info);
            _monitors = null;
            links = _links ?? [];
            _links = null;
            monitoring = _monitoring;
            _monitoring = null;
            names = _names;
            _names = null;
            calls = _calls;
            _calls = null;
        }
        Interlocked.MemoryBarrier(); // pairs with BeginWait: either it sees Dead, or we see its waiter
        Runtime.OnExited(this, info, names);
        if (ReceiveSpan is not null) Telemetry.ProcessTelemetry.EndReceive(this);
        EndServices();
        Volatile.Read(ref _waiter)?.TryAbort(info.Error ?? "process ended");
        if (_aborted is { } cts) try { cts.Cancel(); } catch (AggregateException) { }
        if (monitoring is not null)
            foreach (var target in monitoring) target.RemoveMonitor(this);
        if (calls is not null) // its calls end with it: their targets stop observing them, late replies are dropped
            foreach (var call in calls) call.End();
        if (watchers is not null) // outside our gate: one gate at a time keeps the lock order
            foreach (var w in watchers)
                if (w is ProcessCore watcher) watcher.ForgetMonitored(this);
        StartSignal?.TrySetResult(info.Error is { } failed
            ? $"it failed before it was started: {failed}"
            : AwaitsReady ? "it exited before it signalled it was ready" : "it exited before it was started");
        OnDied(info);
        return links;
    }

    /// <summary>Hook for bindings: release engine resources once dead.</summary>
    protected virtual void OnDied(ExitInfo info) { }

    /// <summary>Hook for bindings: the process was created but will never start (its spawn failed after its
    /// creation); release engine resources (a Lua state) now, since no worker will ever run it.</summary>
    internal virtual void Discard() { }

    private static void PropagateLinks(ProcessCore first, ExitInfo firstInfo, List<ProcessCore> firstLinks)
    {
        var queue = new Queue<(ProcessCore From, ExitInfo Info, ProcessCore To)>();
        foreach (var p in firstLinks) queue.Enqueue((first, firstInfo, p));
        while (queue.Count > 0)
        {
            var (from, info, to) = queue.Dequeue();
            var kill = to.OnLinkedExit(from, info);
            if (kill is null) continue;
            var more = to.ExitCore(kill);
            if (more is null) continue;
            to.Runtime.LogLinkKill(to, from, info);
            foreach (var p in more) queue.Enqueue((to, kill, p));
        }
    }

    /// <summary>A linked process ended: drop the link; on an error, trap it or return how this process must die.</summary>
    private ExitInfo? OnLinkedExit(ProcessCore from, ExitInfo info)
    {
        lock (Gate)
        {
            if (_state == Dead || _links is null || !_links.Remove(from)) return null;
            if (info.Error is null) return null;
            if (TrapLinks)
            {
                DeliverEvent(new ProcessEvent(ProcessEventKind.LinkDown, from.Pid, Runtime.Now) { Error = info.Error });
                return null;
            }
        }
        return new ExitInfo(null, $"link down: {from.Pid} exited with error: {info.Root}", null, info.Root);
    }

    // ---- waiting (IWaitOwner) --------------------------------------------------------------------------------

    public void BeginWait(Waiter waiter)
    {
        Interlocked.Exchange(ref _waiter, waiter);
        if (!IsAlive) waiter.TryAbort(_exit?.Error ?? "process ended");
    }

    public void EndWait(Waiter waiter) => Interlocked.CompareExchange(ref _waiter, null, waiter);

    // ---- mailbox ---------------------------------------------------------------------------------------------

    private ProcessChannel<Message> InboxChannel
    {
        get
        {
            var inbox = Volatile.Read(ref _inbox);
            if (inbox is not null) return inbox;
            Interlocked.CompareExchange(ref _inbox, new ProcessChannel<Message>(-1, ChannelKind.Inbox, this), null);
            return _inbox!;
        }
    }

    /// <summary>
    /// Delivers a message (already prepared). Routing: a listener of the topic takes it; else it waits in the inbox.
    /// Refused, with nothing queued, when the payload does not fit, when <see cref="MailboxLimit"/> messages already
    /// wait ("mailbox full"), or when the binding's <see cref="OnMessageQueuing"/> refuses it.
    /// </summary>
    internal Result Deliver(Pid? from, string topic, object? payload, ReplyHandle? reply = null, Telemetry.MessageTrace? trace = null)
    {
        if (!IsAlive) return Result.Failure(ProcessRuntime.ProcessNotFound(Pid));
        // Routing runs under the gate (channel locks are leaves under it), so a process that only uses listeners
        // never creates its inbox channel.
        string? refused;
        lock (Gate)
        {
            refused = TryGetListener(topic, out var listener)
                ? listener.Admit(ref payload) ? null : WrongPayload(topic, Pid.ToString(), listener.PayloadTypeName, payload)
                : Contract?.Check(this, topic, ref payload);
            if (refused is null)
            {
                if (reply is not null && listener is not null && !listener.CarriesReply)
                    return Result.Failure($"topic '{topic}' of {Pid} is listened to for payloads only, which cannot be answered: a call needs whole messages (ListenMessages, or process.listen(topic, {{ message = true }}) in Lua)");
                return Queue(from, topic, payload, listener, reply, trace);
            }
        }
        // A dead letter: an error to the sender, and logged (outside the gate), so a sender that ignores the error
        // (a Lua `process.send` whose result is dropped) still leaves a trace.
        Runtime.DeadLetter(this, from, topic, refused);
        return Result.Failure(refused);
    }

    /// <summary>Queues a message the topic accepted (under the gate): the mailbox limit, the binding's hook, the channel.</summary>
    private Result Queue(Pid? from, string topic, object? payload, TopicListener? listener, ReplyHandle? reply, Telemetry.MessageTrace? trace)
    {
        // The limit costs one read here and one interlocked add in the channel. Deliveries are serialised by the
        // gate, and receives only lower the count, so the check cannot be overtaken.
        if (Volatile.Read(ref Queued) >= MailboxLimit)
            return Result.Failure($"mailbox full: {Pid} has {MailboxLimit} messages waiting to be received (its mailbox limit)");
        if (MailboxHooks && OnMessageQueuing(payload) is { } denied) return Result.Failure(denied);
        var sent = listener is not null ? listener.Offer(from, topic, payload, reply, trace)
            : (_inboxInto ?? InboxChannel).TrySendBoxed(new Message(from, topic, payload) { ReplyTo = reply, Trace = trace });
        if (sent < 0 && MailboxHooks) OnMessageReleased(payload); // a closed (user) channel: dropped, as before
        return Result.Success;
    }

    /// <summary>
    /// Binding hook, called under the process's routing lock (its gate) when a message is about to be queued for
    /// this process, after the topic and the mailbox limit accepted it. Return null to accept, or the error the
    /// sender gets (nothing is queued then). Used by bindings to count queued payload bytes against a memory
    /// ceiling. Called only if <see cref="MailboxHooks"/> is set. Must be quick, must not throw, must not take
    /// another process's gate or run process code; it may run on any thread (the sender's).
    /// </summary>
    internal virtual string? OnMessageQueuing(object? payload) => null;

    /// <summary>
    /// Binding hook, the counterpart of an accepted <see cref="OnMessageQueuing"/>: called once per such message
    /// when this process takes it out of a mailbox channel (a receive or select on the inbox or a topic channel, or a
    /// hand-off to a receive already waiting), or when it is dropped (a listener whose payload type does not fit it
    /// when it moves from the inbox, a closed channel). Messages moved from the inbox to a new listener are not
    /// released by the move. Not called for messages still queued when the process ends (release everything then).
    /// Called under a channel lock, possibly concurrently with <see cref="OnMessageQueuing"/> on another thread: use
    /// interlocked arithmetic; must be quick, must not throw, must not take locks of the runtime.
    /// </summary>
    internal virtual void OnMessageReleased(object? payload) { }

    /// <inheritdoc cref="IChannelOwner.MailboxQueued"/>
    public void MailboxQueued(int count) => Interlocked.Add(ref Queued, count);

    /// <summary>A mailbox channel of this process handed a value to a receiver (directly or from its buffer).</summary>
    public void MailboxTaken(object? value, bool buffered)
    {
        if (buffered) Interlocked.Decrement(ref Queued);
        Received++; // introspection (Introspection/ProcessCore.Introspection.cs)
        if (Telemetry.ProcessTelemetry.MessagesReceived.Enabled) Telemetry.ProcessTelemetry.MessagesReceived.Add(1);
        if (MailboxHooks) OnMessageReleased(value is Message m ? m.Payload : value is Telemetry.MessageTrace t ? t.Payload : value);
    }

    /// <summary>The sender's error for a payload that the topic's listener or the entry's contract does not take.</summary>
    internal static string WrongPayload(string topic, string process, string expected, object? payload) =>
        $"topic '{topic}' of {process} takes {expected}, not {payload?.GetType().Name ?? "null"}";

    private bool TryGetListener(string topic, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out TopicListener? listener)
    {
        if (_topic1 is not null && string.Equals(_topic1, topic, StringComparison.Ordinal))
        {
            listener = _listener1!;
            return true;
        }
        if (_listeners is not null) return _listeners.TryGetValue(topic, out listener);
        listener = null;
        return false;
    }

    /// <summary>The inbox: every message no listener takes, oldest first, as <see cref="Message"/> objects (the channel
    /// they are routed into, once <see cref="RouteInbox"/> ran).</summary>
    internal ProcessChannel<Message> Inbox()
    {
        _inboxExposed = true;
        return Volatile.Read(ref _inboxInto) ?? InboxChannel;
    }

    /// <summary>
    /// Called at spawn, before the process is visible to anyone (no lock needed): one dispatch channel takes the inbox's
    /// messages and the events of <paramref name="kinds"/> from the start (see <see cref="TopicContract.Dispatches"/>).
    /// </summary>
    internal void DispatchFromCreation(IReadOnlyList<ProcessEventKind> kinds)
    {
        var channel = new ProcessChannel<Message>(-1, ChannelKind.Topic, this);
        _inboxInto = channel;
        _eventsInto = channel;
        foreach (var kind in kinds)
            if (kind is >= ProcessEventKind.Exit and <= ProcessEventKind.Cancel) _routedEvents |= 1 << (int)kind;
        if ((_routedEvents & (1 << (int)ProcessEventKind.LinkDown)) != 0) TrapLinks = true;
    }

    /// <summary>The channel the inbox is routed into, if any.</summary>
    internal ProcessChannel<Message>? InboxTarget => Volatile.Read(ref _inboxInto);

    /// <summary>
    /// From now on, messages no listener takes go into <paramref name="into"/> (a mailbox channel of this process)
    /// instead of the inbox; those waiting in the inbox move there first, in order. Under the gate, as routing is, so
    /// no message overtakes the moved ones. False if another channel is already the target.
    /// </summary>
    internal bool RouteInbox(ProcessChannel<Message> into)
    {
        lock (Gate)
        {
            if (_inboxInto is not null) return ReferenceEquals(_inboxInto, into);
            into.CountAsMailbox();
            // The moved messages keep their place in the count (taken off by RemoveBuffered, put back on by `into`).
            Volatile.Read(ref _inbox)?.RemoveBuffered(static _ => true, m => into.TrySendBoxed(m));
            Volatile.Write(ref _inboxInto, into);
            return true;
        }
    }

    internal bool InboxExposed => _inboxExposed;

    /// <summary>Listens to a topic; the waiting messages of that topic move to the listener, in order.</summary>
    internal Result<ProcessChannel> Listen(string topic, TopicListener listener)
    {
        if (string.IsNullOrEmpty(topic)) return Result<ProcessChannel>.Failure("topic must be a non-empty string");
        lock (Gate)
        {
            if (TryGetListener(topic, out var existing))
            {
                if (existing.SameShape(listener)) return Result<ProcessChannel>.Success(existing.Channel);
                return Result<ProcessChannel>.Failure($"topic '{topic}' already has a listener of another kind ({existing.Describe()})");
            }
            if (_topic1 is null) (_topic1, _listener1) = (topic, listener);
            else (_listeners ??= new Dictionary<string, TopicListener>(StringComparer.Ordinal))[topic] = listener;
            // The moved messages keep their place in the count (RemoveBuffered takes them off, the listener's
            // channel puts them back on); a dropped one is released.
            Volatile.Read(ref _inbox)?.RemoveBuffered(
                m => ((Message)m!).Topic == topic,
                m =>
                {
                    var msg = (Message)m!;
                    var payload = msg.Payload;
                    if (listener.Admit(ref payload) && listener.Offer(ReferenceEquals(payload, msg.Payload) ? msg : msg.WithPayload(payload)) >= 0) return;
                    if (MailboxHooks) OnMessageReleased(msg.Payload);
                    Runtime.DeadLetter(this, msg.From, msg.Topic, $"payload does not fit the listener ({listener.PayloadTypeName})");
                });
            return Result<ProcessChannel>.Success(listener.Channel);
        }
    }

    /// <summary>Stops listening to a topic; messages already in its channel stay there (no longer counted against the
    /// mailbox limit), later ones go to the inbox.</summary>
    internal bool Unlisten(string topic)
    {
        lock (Gate)
        {
            TopicListener? removed;
            if (_topic1 is not null && string.Equals(_topic1, topic, StringComparison.Ordinal))
                (removed, _topic1, _listener1) = (_listener1, null, null);
            else if (_listeners is null || !_listeners.Remove(topic, out removed)) return false;
            // Its channel leaves the mailbox (unless another topic still delivers into it; see ListenMessages).
            var channel = removed!.Channel;
            if (!ReferenceEquals(_listener1?.Channel, channel) && !ReferenceEquals(_inboxInto, channel) &&
                (_listeners is null || !_listeners.Values.Any(l => ReferenceEquals(l.Channel, channel))))
                channel.StopCountingAsMailbox();
            return true;
        }
    }

    // ---- events ----------------------------------------------------------------------------------------------

    internal ProcessChannel<ProcessEvent> Events
    {
        get
        {
            var ch = Volatile.Read(ref _events);
            if (ch is not null) return ch;
            Interlocked.CompareExchange(ref _events, new ProcessChannel<ProcessEvent>(-1, ChannelKind.Events, this), null);
            return _events!;
        }
    }

    private Lock EventsLock
    {
        get
        {
            var gate = Volatile.Read(ref _eventsLock);
            if (gate is not null) return gate;
            Interlocked.CompareExchange(ref _eventsLock, new Lock(), null);
            return _eventsLock!;
        }
    }

    /// <summary>
    /// Queues an event: on the event channel, or, for a kind routed by <see cref="RouteEvents"/>, as a
    /// <see cref="Message"/> with <see cref="Message.Event"/> set in the routed channel, behind the messages that arrived
    /// before it. Called under other processes' gates (an exit notifying its monitors): takes only a leaf lock.
    /// </summary>
    internal void DeliverEvent(ProcessEvent e)
    {
        lock (EventsLock)
        {
            if (_eventsInto is { } into && (_routedEvents & (1 << (int)e.Kind)) != 0) into.TrySendBoxed(AsMessage(e));
            else Events.TrySendBoxed(e);
        }
    }

    private static Message AsMessage(ProcessEvent e) => new(e.From, e.KindName, null) { Event = e };

    /// <summary>
    /// From now on, events of the kinds in <paramref name="kinds"/> (bits 1 &lt;&lt; kind) go into <paramref name="into"/>
    /// as messages (see <see cref="DeliverEvent"/>); those of these kinds waiting on the event channel move there first,
    /// in order. Events are never counted against the mailbox limit. False if another channel is already the target.
    /// </summary>
    internal bool RouteEvents(ProcessChannel<Message> into, int kinds)
    {
        lock (EventsLock)
        {
            if (_eventsInto is not null && !ReferenceEquals(_eventsInto, into)) return false;
            into.CountAsMailbox();
            int added = kinds & ~_routedEvents;
            Volatile.Read(ref _events)?.RemoveBuffered(
                o => o is ProcessEvent e && (added & (1 << (int)e.Kind)) != 0,
                o => into.TrySendBoxed(AsMessage((ProcessEvent)o!)));
            _routedEvents |= kinds;
            _eventsInto = into;
            return true;
        }
    }

    /// <summary>Removes queued events matching <paramref name="match"/>, wherever they wait (Unmonitor, Unlink).</summary>
    private void PurgeEvents(Func<ProcessEvent, bool> match)
    {
        lock (EventsLock) // not while RouteEvents moves them
        {
            Events.RemoveBuffered(o => o is ProcessEvent e && match(e));
            _eventsInto?.RemoveBuffered(o => o is Message { Event: { } e } && match(e));
        }
    }

    void IExitObserver.OnExit(ProcessCore process, ExitInfo exit) =>
        DeliverEvent(new ProcessEvent(ProcessEventKind.Exit, process.Pid, Runtime.Now)
        {
            Result = exit.Result,
            Error = exit.Error,
            Exception = exit.Exception,
        });

    // ---- monitors --------------------------------------------------------------------------------------------

    /// <summary>Adds an observer; false if the process is already dead (the caller reports noproc).</summary>
    internal bool AddMonitor(IExitObserver observer)
    {
        lock (Gate)
        {
            if (_state == Dead) return false;
            _monitors ??= [];
            if (!_monitors.Contains(observer)) _monitors.Add(observer);
            return true;
        }
    }

    internal void RemoveMonitor(IExitObserver observer)
    {
        lock (Gate) _monitors?.Remove(observer);
    }

    /// <summary>This process starts watching <paramref name="target"/>.</summary>
    internal Result Monitor(ProcessCore target)
    {
        if (ReferenceEquals(target, this)) return Result.Failure("a process cannot monitor itself");
        if (!target.AddMonitor(this))
        {
            DeliverNoProc(target.Pid);
            return Result.Success;
        }
        lock (Gate)
        {
            if (_state != Dead) (_monitoring ??= []).Add(target);
        }
        if (!IsAlive) target.RemoveMonitor(this);
        if (!target.IsAlive) ForgetMonitored(target); // it ended between the two steps: nothing to forget later
        return Result.Success;
    }

    private void ForgetMonitored(ProcessCore target)
    {
        lock (Gate) _monitoring?.Remove(target);
    }

    internal int MonitoringCount { get { lock (Gate) return _monitoring?.Count ?? 0; } }

    internal void DeliverNoProc(Pid target) =>
        DeliverEvent(new ProcessEvent(ProcessEventKind.Exit, target, Runtime.Now) { Error = $"noproc: process {target} is not alive" });

    /// <summary>Stops watching; no Exit event from <paramref name="target"/> is received after this returns.</summary>
    internal void Unmonitor(Pid target, ProcessCore? live)
    {
        // A target that resolves as not alive may still be inside ExitCore, about to queue our Exit under its gate
        // (its state turns Dead first). It stays in our monitoring set until that gate section is over
        // (ForgetMonitored runs after it), so find it there and synchronise with its gate before purging: then its
        // event is either never queued (our observer is gone) or already queued (and purged below).
        live ??= FindMonitored(target);
        if (live is not null)
        {
            live.RemoveMonitor(this);
            lock (Gate) _monitoring?.Remove(live);
        }
        PurgeEvents(e => e.Kind == ProcessEventKind.Exit && e.From == target);
    }

    private ProcessCore? FindMonitored(Pid target)
    {
        lock (Gate)
        {
            if (_monitoring is null) return null;
            foreach (var p in _monitoring)
                if (p.Pid == target) return p;
            return null;
        }
    }

    // ---- calls -----------------------------------------------------------------------------------------------

    /// <summary>Records a call this process waits for; false if it is dead.</summary>
    internal bool AddCall(Call call)
    {
        lock (Gate)
        {
            if (_state == Dead) return false;
            (_calls ??= []).Add(call);
            return true;
        }
    }

    internal void RemoveCall(Call call)
    {
        lock (Gate) _calls?.Remove(call);
    }

    /// <summary>How many calls this process waits for (the correlation table's size).</summary>
    internal int PendingCallCount { get { lock (Gate) return _calls?.Count ?? 0; } }

    /// <summary>How many observers watch this process (monitors and calls in flight).</summary>
    internal int ObserverCount { get { lock (Gate) return _monitors?.Count ?? 0; } }

    // ---- links -----------------------------------------------------------------------------------------------

    internal Result Link(ProcessCore other)
    {
        if (ReferenceEquals(other, this)) return Result.Failure("a process cannot link to itself");
        var (a, b) = Pid.Id < other.Pid.Id ? (this, other) : (other, this);
        lock (a.Gate)
        lock (b.Gate)
        {
            if (_state == Dead) return Result.Failure("process is not alive");
            if (other._state == Dead) return Result.Failure($"noproc: process {other.Pid} is not alive");
            _links ??= [];
            if (_links.Contains(other)) return Result.Success;
            _links.Add(other);
            (other._links ??= []).Add(this);
            return Result.Success;
        }
    }

    internal void Unlink(Pid target, ProcessCore? other)
    {
        if (other is not null && !ReferenceEquals(other, this))
        {
            var (a, b) = Pid.Id < other.Pid.Id ? (this, other) : (other, this);
            lock (a.Gate)
            lock (b.Gate)
            {
                _links?.Remove(other);
                other._links?.Remove(this);
            }
        }
        else
        {
            // The target resolved as not alive, but its exit may not have reached us yet: drop the link on our side
            // (under our gate, where OnLinkedExit looks for it), so that no LinkDown is queued after this returns.
            lock (Gate) _links?.RemoveAll(p => p.Pid == target);
        }
        PurgeEvents(e => e.Kind == ProcessEventKind.LinkDown && e.From == target);
    }

    /// <summary>Spawn-time link to a child not yet started. False if this process is dead.</summary>
    internal bool LinkNewChild(ProcessCore child)
    {
        lock (Gate)
        {
            if (_state == Dead) return false;
            (_links ??= []).Add(child);
            child._links = [this];
            return true;
        }
    }

    /// <summary>Spawn-time monitor of a child not yet started.</summary>
    internal void MonitorNewChild(ProcessCore child)
    {
        child._monitors = [this];
        lock (Gate) (_monitoring ??= []).Add(child);
    }

    internal int LinkCount { get { lock (Gate) return _links?.Count ?? 0; } }

    // ---- names -----------------------------------------------------------------------------------------------

    /// <summary>Records a registered name; false if dead (the registry then refuses).</summary>
    internal bool AddName(string name)
    {
        lock (Gate)
        {
            if (_state == Dead) return false;
            (_names ??= []).Add(name);
            return true;
        }
    }

    internal void RemoveName(string name)
    {
        lock (Gate) _names?.Remove(name);
    }

    internal string Describe() => $"{Pid} ({Pid.Entry})";
}
