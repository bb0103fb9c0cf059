using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace Typed.Processes.Telemetry;

/// <summary>
/// The runtime's spans and instruments. Every recording first checks that someone listens (<see cref="Instrument.Enabled"/>,
/// <see cref="ActivitySource.HasListeners"/>), so an unobserved runtime pays a field read per event; the gauges are
/// observable (computed only when a collector asks).
/// </summary>
internal static class ProcessTelemetry
{
    public static readonly ActivitySource Source = new(TypedProcessesTelemetry.SourceName);
    public static readonly Meter Meter = new(TypedProcessesTelemetry.SourceName);

    public static readonly Counter<long> Spawns = Meter.CreateCounter<long>(
        "typed_processes.process.spawns", "{process}", "Processes spawned.");
    public static readonly Counter<long> Exits = Meter.CreateCounter<long>(
        "typed_processes.process.exits", "{process}", "Processes ended, by outcome (normal, error, terminated).");
    public static readonly Counter<long> MessagesSent = Meter.CreateCounter<long>(
        "typed_processes.messages.sent", "{message}", "Messages accepted into a receiver's mailbox (sends and call requests).");
    public static readonly Counter<long> MessagesRefused = Meter.CreateCounter<long>(
        "typed_processes.messages.refused", "{message}", "Sends refused by a live receiver: mailbox full, payload refused (dead letters included).");
    public static readonly Counter<long> DeadLetters = Meter.CreateCounter<long>(
        "typed_processes.messages.dead_letters", "{message}", "Messages a receiver's topic contract or typed listener refused.");
    public static readonly Counter<long> Restarts = Meter.CreateCounter<long>(
        "typed_processes.supervisor.restarts", "{restart}", "Child restarts counted by supervisors (against their intensity).");
    public static readonly Counter<long> MessagesReceived = Meter.CreateCounter<long>(
        "typed_processes.messages.received", "{message}", "Messages taken out of a mailbox by their receiver.");
    public static readonly Histogram<double> ReceiveLatency = Meter.CreateHistogram<double>(
        "typed_processes.messages.receive_latency", "s", "Time from a message's acceptance into a mailbox to its receiver's code taking it.");

    // Runtimes alive, for the observable gauges (weak: a runtime nobody shut down must not be kept alive by a static).
    private static readonly List<WeakReference<ProcessRuntime>> Tracked = [];

    static ProcessTelemetry()
    {
        Meter.CreateObservableGauge("typed_processes.process.live", ObserveLive, "{process}", "Processes alive, per host and entry.");
        Meter.CreateObservableGauge("typed_processes.mailbox.length", () => ObserveMailboxes(max: false), "{message}",
            "Messages waiting to be received, summed over the processes of a host and entry.");
        Meter.CreateObservableGauge("typed_processes.mailbox.max_length", () => ObserveMailboxes(max: true), "{message}",
            "The longest mailbox among the processes of a host and entry.");
        Meter.CreateObservableGauge("typed_processes.host.queue_length", ObserveQueues, "{process}",
            "Processes waiting in a host's run queue.");
        Meter.CreateObservableGauge("typed_processes.host.busy_workers", ObserveBusyWorkers, "{thread}",
            "A host's workers not asleep (running a process or spinning for work).");
    }

    public static void Register(ProcessRuntime runtime)
    {
        lock (Tracked)
        {
            Tracked.RemoveAll(static w => !w.TryGetTarget(out _));
            Tracked.Add(new WeakReference<ProcessRuntime>(runtime));
        }
    }

    public static void Unregister(ProcessRuntime runtime)
    {
        lock (Tracked) Tracked.RemoveAll(w => !w.TryGetTarget(out var r) || ReferenceEquals(r, runtime));
    }

    internal static List<ProcessRuntime> AliveRuntimes()
    {
        var list = new List<ProcessRuntime>();
        lock (Tracked)
            foreach (var w in Tracked)
                if (w.TryGetTarget(out var r)) list.Add(r);
        return list;
    }

    // The (host, entry) pairs a runtime has reported live processes for: a pair whose processes all ended is
    // reported as 0 from then on, instead of vanishing from the series.
    private static readonly ConditionalWeakTable<ProcessRuntime, HashSet<(string Host, string Entry)>> SeenPairs = new();

    private static IEnumerable<Measurement<long>> ObserveLive()
    {
        var result = new List<Measurement<long>>();
        foreach (var runtime in AliveRuntimes())
        {
            var counts = new Dictionary<(string Host, string Entry), long>();
            var seen = SeenPairs.GetOrCreateValue(runtime);
            foreach (var p in runtime.LiveProcesses())
                counts[(p.Pid.Host, p.Pid.Entry)] = counts.GetValueOrDefault((p.Pid.Host, p.Pid.Entry)) + 1;
            lock (seen)
            {
                foreach (var pair in counts.Keys) seen.Add(pair);
                foreach (var pair in seen) counts.TryAdd(pair, 0);
            }
            foreach (var ((host, entry), count) in counts)
                result.Add(new Measurement<long>(count, new KeyValuePair<string, object?>("host", host), new KeyValuePair<string, object?>("entry", entry)));
        }
        return result;
    }

    /// <summary>Mailbox lengths (messages queued, not yet received) per host and entry: summed, or the largest.</summary>
    private static List<Measurement<long>> ObserveMailboxes(bool max)
    {
        var result = new List<Measurement<long>>();
        foreach (var runtime in AliveRuntimes())
        {
            var values = new Dictionary<(string Host, string Entry), long>();
            foreach (var p in runtime.LiveProcesses())
            {
                var key = (p.Pid.Host, p.Pid.Entry);
                long queued = Math.Max(0, Volatile.Read(ref p.Queued));
                values[key] = values.TryGetValue(key, out var v) ? (max ? Math.Max(v, queued) : v + queued) : queued;
            }
            foreach (var ((host, entry), value) in values)
                result.Add(new Measurement<long>(value, new KeyValuePair<string, object?>("host", host), new KeyValuePair<string, object?>("entry", entry)));
        }
        return result;
    }

    private static IEnumerable<Measurement<long>> ObserveQueues()
    {
        var result = new List<Measurement<long>>();
        foreach (var runtime in AliveRuntimes())
            foreach (var host in runtime.Hosts.All)
                result.Add(new Measurement<long>(host.QueueLength, new KeyValuePair<string, object?>("host", host.Reference)));
        return result;
    }

    private static IEnumerable<Measurement<long>> ObserveBusyWorkers()
    {
        var result = new List<Measurement<long>>();
        foreach (var runtime in AliveRuntimes())
            foreach (var host in runtime.Hosts.All)
                result.Add(new Measurement<long>(host.Scheduler.AwakeWorkers, new KeyValuePair<string, object?>("host", host.Reference)));
        return result;
    }

    // ---- recording (callers check Enabled / HasListeners first, so the tags cost nothing when unobserved) ----

    public static void RecordSpawn(Pid pid) =>
        Spawns.Add(1, new KeyValuePair<string, object?>("host", pid.Host), new KeyValuePair<string, object?>("entry", pid.Entry));

    public static string Outcome(ExitInfo info) => info.Error is null ? "normal" : info.Terminated ? "terminated" : "error";

    public static void RecordExit(Pid pid, ExitInfo info)
    {
        var outcome = Outcome(info);
        if (Exits.Enabled)
            Exits.Add(1, new KeyValuePair<string, object?>("host", pid.Host), new KeyValuePair<string, object?>("entry", pid.Entry),
                new KeyValuePair<string, object?>("outcome", outcome));
        if (info.Error is null || !Source.HasListeners()) return;
        // An instant span: the exit itself, with an error status and the reason.
        using var activity = Source.StartActivity("process.exit", ActivityKind.Internal);
        if (activity is null) return;
        activity.SetTag("typed_processes.pid", pid.ToString());
        activity.SetTag("typed_processes.entry", pid.Entry);
        activity.SetTag("typed_processes.host", pid.Host);
        activity.SetTag("typed_processes.exit.outcome", outcome);
        activity.SetStatus(ActivityStatusCode.Error, info.Error);
    }

    public static Activity? StartSpawn(string entry, string host)
    {
        var activity = Source.StartActivity("process.spawn", ActivityKind.Internal);
        activity?.SetTag("typed_processes.entry", entry);
        activity?.SetTag("typed_processes.host", host);
        return activity;
    }

    public static Activity? StartCall(Result<Target> to, string topic)
    {
        var activity = Source.StartActivity("process.call " + topic, ActivityKind.Client);
        if (activity is null) return null;
        activity.SetTag("typed_processes.topic", topic);
        if (to.TryGetValue(out var t)) activity.SetTag("typed_processes.target", t.Pid.ToString());
        return activity;
    }

    // ---- trace context in messages ----------------------------------------------------------------------------

    /// <summary>True when a send must capture a <see cref="MessageTrace"/>: someone listens to the activity source or
    /// to the receive latency.</summary>
    public static bool Capturing
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Source.HasListeners() || ReceiveLatency.Enabled;
    }

    /// <summary>What a send carries: the sender's <see cref="Activity.Current"/> context (when traced) and the time
    /// (when the latency is measured).</summary>
    public static MessageTrace Capture(Pid? from, string topic)
    {
        bool traced = Source.HasListeners();
        return new MessageTrace(traced ? Activity.Current?.Context ?? default : default, traced,
            ReceiveLatency.Enabled ? Stopwatch.GetTimestamp() : 0, from, topic);
    }

    /// <summary>Set once a receive span was made current on a host worker: from then on the workers clear
    /// <see cref="Activity.Current"/> after each work item (see <see cref="ClearAmbient"/>).</summary>
    internal static volatile bool SpansMadeCurrent;

    /// <summary>
    /// <paramref name="process"/>'s code took a message queued with <paramref name="trace"/> (on its own thread, in its
    /// execution context). Records the receive latency; when traced, ends the process's previous receive span and
    /// starts <c>process.receive</c> (consumer; parent: the sender's context, or none: a new trace) as
    /// <see cref="Activity.Current"/>, which the code that awaited the receive runs under until its next receive or
    /// its end.
    /// </summary>
    public static void Received(ProcessCore process, MessageTrace trace)
    {
        if (trace.QueuedAt != 0 && ReceiveLatency.Enabled)
            ReceiveLatency.Record(Stopwatch.GetElapsedTime(trace.QueuedAt).TotalSeconds,
                new KeyValuePair<string, object?>("host", process.Pid.Host), new KeyValuePair<string, object?>("entry", process.Pid.Entry));
        if (!trace.Traced || !Source.HasListeners()) return;
        if (Interlocked.Exchange(ref process.ReceiveSpan, null) is { } previous) StopQuietly(previous);
        // The sender's context is the only parent: whatever the code had current before does not nest the receive.
        Activity.Current = null;
        var span = Source.StartActivity("process.receive", ActivityKind.Consumer, trace.Parent);
        if (span is null) return;
        SpansMadeCurrent = true;
        if (span.IsAllDataRequested)
        {
            span.SetTag("typed_processes.topic", trace.Topic);
            span.SetTag("typed_processes.pid", process.Pid.ToString());
            if (trace.From is { } from) span.SetTag("typed_processes.from", from.ToString());
        }
        Volatile.Write(ref process.ReceiveSpan, span);
        if (!process.IsAlive) EndReceive(process); // it ended meanwhile: its exit may have missed the span
    }

    /// <summary>Ends the receive span of a process that ended (any thread).</summary>
    public static void EndReceive(ProcessCore process)
    {
        if (Interlocked.Exchange(ref process.ReceiveSpan, null) is { } span) StopQuietly(span);
    }

    /// <summary>Stops <paramref name="activity"/> without changing the calling thread's <see cref="Activity.Current"/>
    /// unless it was that activity (it may be stopped from another thread or execution context).</summary>
    public static void StopQuietly(Activity activity)
    {
        var current = Activity.Current;
        activity.Stop();
        if (!ReferenceEquals(current, activity) && !ReferenceEquals(Activity.Current, current)) Activity.Current = current;
    }

    /// <summary>Called by host workers after each work item once receive spans exist: a process's code that took a
    /// message outside an async method (or resumed without a captured context) left its span current on the worker.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ClearAmbient()
    {
        if (SpansMadeCurrent && Activity.Current is not null) Activity.Current = null;
    }

    /// <summary>The replier's context, for the caller's call span (see <see cref="LinkReply"/>).</summary>
    public static void NoteReplier(Call call)
    {
        if (Activity.Current is { } current) call.Replier = current.Context;
    }

    /// <summary>Links a call's span to the span that answered it (the replier's receive span).</summary>
    public static void LinkReply(Activity? activity, Call call)
    {
        if (activity is not null && call.Error is null && call.Replier is { } replier) activity.AddLink(new ActivityLink(replier));
    }

    /// <summary>A supervisor restarts a child: <c>supervisor.restart</c> (internal), current while the restart runs.</summary>
    public static Activity? StartRestart(string supervisor, string child, string reason)
    {
        var activity = Source.StartActivity("supervisor.restart", ActivityKind.Internal);
        if (activity is null) return null;
        activity.SetTag("typed_processes.supervisor", supervisor);
        activity.SetTag("typed_processes.child", child);
        activity.SetTag("typed_processes.restart.reason", reason);
        return activity;
    }

    public static void End(Activity? activity, string? error)
    {
        if (activity is null) return;
        if (error is not null) activity.SetStatus(ActivityStatusCode.Error, error);
        activity.Dispose();
    }
}
