using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Typed.Processes.Tests;

/// <summary>The listeners are process-wide: these tests run alone (not in parallel with other classes), and each
/// filters by its own host, so counts are exact.</summary>
[CollectionDefinition(nameof(TelemetryCollection), DisableParallelization = true)]
public sealed class TelemetryCollection;

[Collection(nameof(TelemetryCollection))]
public sealed class TelemetryTests : IAsyncLifetime
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60); // a failure guard, never synchronisation
    private readonly string _host = "otel:h" + Guid.NewGuid().ToString("N")[..8];
    private readonly ProcessRuntime _runtime = new();
    private readonly ConcurrentQueue<(string Name, long Value, Dictionary<string, object?> Tags)> _measurements = new();
    private readonly ConcurrentQueue<Activity> _activities = new();
    private readonly MeterListener _meters = new();
    private readonly ActivityListener _spans;

    public TelemetryTests()
    {
        _runtime.Hosts.Add(_host, workers: 2);
        _meters.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == TypedProcessesTelemetry.SourceName) listener.EnableMeasurementEvents(instrument);
        };
        _meters.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var d = new Dictionary<string, object?>();
            foreach (var t in tags) d[t.Key] = t.Value;
            _measurements.Enqueue((instrument.Name, value, d));
        });
        _meters.Start();
        _spans = new ActivityListener
        {
            ShouldListenTo = s => s.Name == TypedProcessesTelemetry.SourceName || s.Name == "test",
            Sample = (ref _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => _activities.Enqueue(a),
        };
        ActivitySource.AddActivityListener(_spans);
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        _spans.Dispose();
        _meters.Dispose();
        await _runtime.DisposeAsync();
    }

    private string Entry(ProcessMain main) => _runtime.Entries.Add("otel:e" + Guid.NewGuid().ToString("N")[..8], main).Reference;

    private long Sum(string name, params (string Key, string Value)[] tags) => _measurements
        .Where(m => m.Name == name && tags.All(t => Equals(m.Tags.GetValueOrDefault(t.Key), t.Value)))
        .Sum(m => m.Value);

    private static ProcessMain Blocked => async ctx => { await ctx.NewChannel<int>().ReceiveAsync(); return null; };

    [Fact]
    public async Task Spawns_and_exits_by_outcome_are_counted_per_host_and_entry()
    {
        var ok = Entry(_ => ValueTask.FromResult<object?>(1));
        var failing = Entry(_ => throw new InvalidOperationException("boom"));
        var blocked = Entry(Blocked);
        for (int i = 0; i < 3; i++) await _runtime.RunAsync(ok, _host).WaitAsync(Guard);
        await _runtime.RunAsync(failing, _host).WaitAsync(Guard);
        var victim = _runtime.Spawn(blocked, _host).Value;
        var exited = _runtime.WaitForExitAsync(victim);
        Assert.True(_runtime.Terminate(victim).Ok);
        await exited.WaitAsync(Guard);

        Assert.Equal(3, Sum("typed_processes.process.spawns", ("host", _host), ("entry", ok)));
        Assert.Equal(5, Sum("typed_processes.process.spawns", ("host", _host)));
        Assert.Equal(3, Sum("typed_processes.process.exits", ("entry", ok), ("outcome", "normal")));
        Assert.Equal(1, Sum("typed_processes.process.exits", ("entry", failing), ("outcome", "error")));
        Assert.Equal(1, Sum("typed_processes.process.exits", ("entry", blocked), ("outcome", "terminated")));
        Assert.Equal(5, Sum("typed_processes.process.exits", ("host", _host)));
    }

    [Fact]
    public async Task Sent_refused_and_dead_letter_messages_are_counted()
    {
        _runtime.Entries.Add(new CSharpEntry("otel:typed", Blocked)
        {
            Topics = new TopicContract([new("price", typeof(int))], acceptsOtherTopics: false),
        });
        var receiver = _runtime.Spawn("otel:typed", _host).Value;
        Assert.True(_runtime.Send(receiver, "price", 1).Ok);
        Assert.True(_runtime.Send(receiver, "price", 2).Ok);
        Assert.False(_runtime.Send(receiver, "price", "ten").Ok);
        Assert.False(_runtime.Send(receiver, "nope", 3).Ok);

        Assert.Equal(2, Sum("typed_processes.messages.sent"));
        Assert.Equal(2, Sum("typed_processes.messages.refused"));
        Assert.Equal(2, Sum("typed_processes.messages.dead_letters"));
        await Task.CompletedTask;
    }

    [Fact]
    public async Task Live_processes_and_the_run_queue_are_observed_per_host()
    {
        var blocked = Entry(Blocked);
        var a = _runtime.Spawn(blocked, _host).Value;
        _runtime.Spawn(blocked, _host).ThrowIfFailed();
        _meters.RecordObservableInstruments();
        Assert.Equal(2, _measurements.Last(m => m.Name == "typed_processes.process.live" && Equals(m.Tags["host"], _host)).Value);
        Assert.Contains(_measurements, m => m.Name == "typed_processes.host.queue_length" && Equals(m.Tags["host"], _host));

        var exited = _runtime.WaitForExitAsync(a);
        _runtime.Terminate(a).ThrowIfFailed();
        await exited.WaitAsync(Guard);
        _meters.RecordObservableInstruments();
        Assert.Equal(1, _measurements.Last(m => m.Name == "typed_processes.process.live" && Equals(m.Tags["host"], _host)).Value);
    }

    [Fact]
    public async Task Supervisor_restarts_are_counted_per_supervisor_and_child()
    {
        var kit = new SupervisorKit();
        var entry = Entry(kit.Worker("a"));
        var name = "otelsup" + Guid.NewGuid().ToString("N")[..8];
        var started = await _runtime.StartSupervisorAsync(new SupervisorSpec
        {
            Name = name, MaxRestarts = 10, Period = TimeSpan.FromHours(1), Children = [new ChildSpec("a", entry, _host)],
        }, _host).WaitAsync(Guard);
        Assert.True(started.Ok, started.Error);
        Assert.Equal("start a", await kit.Next());
        for (int i = 0; i < 2; i++)
        {
            var pid = kit.Pids["a"];
            var exit = _runtime.WaitForExitAsync(pid);
            Assert.True(_runtime.Send(pid, "crash", null).Ok);
            await exit.WaitAsync(Guard);
            Assert.Equal("start a", await kit.Next());
        }
        Assert.Equal(2, Sum("typed_processes.supervisor.restarts", ("supervisor", name), ("child", "a")));
    }

    [Fact]
    public async Task Busy_workers_are_observed_per_host()
    {
        using var release = new ManualResetEventSlim();
        using var started = new CountdownEvent(2);
        var blocking = Entry(_ =>
        {
            started.Signal();
            release.Wait(Guard); // holds its worker thread (no await)
            return ValueTask.FromResult<object?>(null);
        });
        var a = _runtime.Spawn(blocking, _host).Value;
        var b = _runtime.Spawn(blocking, _host).Value;
        Assert.True(started.Wait(Guard));
        _meters.RecordObservableInstruments();
        release.Set();
        Assert.Equal(2, _measurements.Last(m => m.Name == "typed_processes.host.busy_workers" && Equals(m.Tags["host"], _host)).Value);
        await _runtime.WaitForExitAsync(a).WaitAsync(Guard);
        await _runtime.WaitForExitAsync(b).WaitAsync(Guard);
    }

    [Fact]
    public async Task Spawn_call_and_error_exit_spans_are_recorded_under_the_current_trace()
    {
        using var source = new ActivitySource("test");
        var server = Entry(async ctx =>
        {
            var m = await ctx.Inbox().ReceiveAsync();
            m.Reply((int)m.Payload! + 1).ThrowIfFailed();
            throw new InvalidOperationException("done badly");
        });
        Pid pid;
        Result<int> reply, failed;
        ActivityTraceId trace;
        using (var root = source.StartActivity("request")!)
        {
            trace = root.TraceId;
            pid = _runtime.Spawn(server, _host).Value;
            var exited = _runtime.WaitForExitAsync(pid);
            reply = await _runtime.CallAsync<int>(pid, "inc", 41, Guard);
            await exited.WaitAsync(Guard);
            failed = await _runtime.CallAsync<int>(pid, "inc", 1, Guard);
        }
        Assert.Equal(42, reply.Value);
        Assert.False(failed.Ok);

        var spawn = Assert.Single(_activities, a => a.OperationName == "process.spawn" && Equals(a.GetTagItem("typed_processes.entry"), server));
        Assert.Equal(trace, spawn.TraceId);
        Assert.Equal(pid.ToString(), spawn.GetTagItem("typed_processes.pid"));
        Assert.Equal(_host, spawn.GetTagItem("typed_processes.host"));

        var calls = _activities.Where(a => a.OperationName == "process.call inc" && Equals(a.GetTagItem("typed_processes.target"), pid.ToString())).ToList();
        Assert.Equal(2, calls.Count);
        Assert.All(calls, c => Assert.Equal(ActivityKind.Client, c.Kind));
        Assert.All(calls, c => Assert.Equal(trace, c.TraceId));
        Assert.Equal(ActivityStatusCode.Unset, calls[0].Status);
        Assert.Equal(ActivityStatusCode.Error, calls[1].Status);

        var exit = Assert.Single(_activities, a => a.OperationName == "process.exit" && Equals(a.GetTagItem("typed_processes.pid"), pid.ToString()));
        Assert.Equal(ActivityStatusCode.Error, exit.Status);
        Assert.Contains("done badly", exit.StatusDescription);
        Assert.Equal("error", exit.GetTagItem("typed_processes.exit.outcome"));
    }
}
