using System.Diagnostics;
using System.Diagnostics.Metrics;

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

    // Runtimes alive, for the observable gauges (weak: a runtime nobody shut down must not be kept alive by a static).
    private static readonly List<WeakReference<ProcessRuntime>> Tracked = [];

    static ProcessTelemetry()
    {
        Meter.CreateObservableGauge("typed_processes.process.live", ObserveLive, "{process}", "Processes alive, per host.");
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

    private static List<ProcessRuntime> AliveRuntimes()
    {
        var list = new List<ProcessRuntime>();
        lock (Tracked)
            foreach (var w in Tracked)
                if (w.TryGetTarget(out var r)) list.Add(r);
        return list;
    }

    private static IEnumerable<Measurement<long>> ObserveLive()
    {
        var result = new List<Measurement<long>>();
        foreach (var runtime in AliveRuntimes())
        {
            var perHost = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var host in runtime.Hosts.All) perHost[host.Reference] = 0;
            foreach (var pid in runtime.LivePids())
                perHost[pid.Host] = perHost.TryGetValue(pid.Host, out var n) ? n + 1 : 1;
            foreach (var (host, count) in perHost) result.Add(new Measurement<long>(count, new KeyValuePair<string, object?>("host", host)));
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

    public static void End(Activity? activity, string? error)
    {
        if (activity is null) return;
        if (error is not null) activity.SetStatus(ActivityStatusCode.Error, error);
        activity.Dispose();
    }
}
