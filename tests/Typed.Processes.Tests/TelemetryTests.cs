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
    private readonly ConcurrentQueue<(string Name, double Value, Dictionary<string, object?> Tags)> _doubles = new();
    private readonly MeterListener _meters = new();
    private readonly SpanRecorder _spans = new();

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
        _meters.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
        {
            var d = new Dictionary<string, object?>();
            foreach (var t in tags) d[t.Key] = t.Value;
            _doubles.Enqueue((instrument.Name, value, d));
        });
        _meters.Start();
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

    /// <summary>The spans stopped so far, once <paramref name="done"/> holds for them (awaits each stop).</summary>
    private async Task<List<Activity>> SpansWhen(Func<List<Activity>, bool> done)
    {
        while (true)
        {
            var spans = _spans.Spans.ToList();
            if (done(spans)) return spans;
            Assert.True(await _spans.NextAsync(Guard), "the expected spans were not recorded");
        }
    }

    private static Activity ReceiveOf(IEnumerable<Activity> spans, Pid pid) =>
        Assert.Single(spans, a => a.OperationName == "process.receive" && Equals(a.GetTagItem("typed_processes.pid"), pid.ToString()));

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
        Assert.Equal(2, _measurements.Last(m => m.Name == "typed_processes.process.live" && Equals(m.Tags["host"], _host) && Equals(m.Tags["entry"], blocked)).Value);
        Assert.Contains(_measurements, m => m.Name == "typed_processes.host.queue_length" && Equals(m.Tags["host"], _host));

        var exited = _runtime.WaitForExitAsync(a);
        _runtime.Terminate(a).ThrowIfFailed();
        await exited.WaitAsync(Guard);
        _meters.RecordObservableInstruments();
        Assert.Equal(1, _measurements.Last(m => m.Name == "typed_processes.process.live" && Equals(m.Tags["host"], _host) && Equals(m.Tags["entry"], blocked)).Value);
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

        var spawn = Assert.Single(_spans.Spans, a => a.OperationName == "process.spawn" && Equals(a.GetTagItem("typed_processes.entry"), server));
        Assert.Equal(trace, spawn.TraceId);
        Assert.Equal(pid.ToString(), spawn.GetTagItem("typed_processes.pid"));
        Assert.Equal(_host, spawn.GetTagItem("typed_processes.host"));

        var calls = _spans.Spans.Where(a => a.OperationName == "process.call inc" && Equals(a.GetTagItem("typed_processes.target"), pid.ToString())).ToList();
        Assert.Equal(2, calls.Count);
        Assert.All(calls, c => Assert.Equal(ActivityKind.Client, c.Kind));
        Assert.All(calls, c => Assert.Equal(trace, c.TraceId));
        Assert.Equal(ActivityStatusCode.Unset, calls[0].Status);
        Assert.Equal(ActivityStatusCode.Error, calls[1].Status);

        var exit = Assert.Single(_spans.Spans, a => a.OperationName == "process.exit" && Equals(a.GetTagItem("typed_processes.pid"), pid.ToString()));
        Assert.Equal(ActivityStatusCode.Error, exit.Status);
        Assert.Contains("done badly", exit.StatusDescription);
        Assert.Equal("error", exit.GetTagItem("typed_processes.exit.outcome"));
    }

    [Fact]
    public async Task A_receive_is_a_child_span_of_its_send_and_current_for_the_receivers_code_across_awaits()
    {
        using var source = new ActivitySource("test");
        var seen = new ConcurrentDictionary<string, string?>();
        Pid? lastPid = null;
        var last = Entry(async ctx =>
        {
            var numbers = ctx.Listen<int>("n"); // a payload-only listener: the trace waits in the payload's place
            Assert.Equal(1, await numbers.ReceiveAsync());
            seen["last"] = Activity.Current?.Id;
            return null;
        });
        var first = Entry(async ctx =>
        {
            var m = await ctx.Inbox().ReceiveAsync();
            seen["first"] = Activity.Current?.Id;
            await Task.Yield(); // resumed through the host's synchronization context
            await ctx.Sleep(TimeSpan.FromMilliseconds(1)); // resumed by a channel waiter
            seen["first, after awaits"] = Activity.Current?.Id;
            ctx.Send(lastPid!, "n", (int)m.Payload!).ThrowIfFailed();
            return null;
        });
        lastPid = _runtime.Spawn(last, _host).Value;
        var firstPid = _runtime.Spawn(first, _host).Value;
        ActivitySpanId rootSpan;
        ActivityTraceId trace;
        using (var root = source.StartActivity("request")!)
        {
            (rootSpan, trace) = (root.SpanId, root.TraceId);
            Assert.True(_runtime.Send(firstPid, "go", 1).Ok);
        }
        var spans = await SpansWhen(s => s.Count(a => a.OperationName == "process.receive") >= 2);

        var one = ReceiveOf(spans, firstPid);
        var two = ReceiveOf(spans, lastPid);
        Assert.Equal(ActivityKind.Consumer, one.Kind);
        Assert.Equal((trace, rootSpan), (one.TraceId, one.ParentSpanId));
        Assert.Equal((trace, one.SpanId), (two.TraceId, two.ParentSpanId));
        Assert.Equal("go", one.GetTagItem("typed_processes.topic"));
        Assert.Null(one.GetTagItem("typed_processes.from")); // sent from outside any process
        Assert.Equal("n", two.GetTagItem("typed_processes.topic"));
        Assert.Equal(firstPid.ToString(), two.GetTagItem("typed_processes.from"));
        Assert.Equal(one.Id, seen["first"]);
        Assert.Equal(one.Id, seen["first, after awaits"]);
        Assert.Equal(two.Id, seen["last"]);
    }

    [Fact]
    public async Task A_receive_span_ends_at_the_next_receive_and_a_message_without_a_trace_starts_a_new_one()
    {
        var ids = new ConcurrentQueue<(string? Id, ActivityTraceId Trace)>();
        var receiver = Entry(async ctx =>
        {
            for (int i = 0; i < 2; i++)
            {
                await ctx.Inbox().ReceiveAsync();
                ids.Enqueue((Activity.Current?.Id, Activity.Current?.TraceId ?? default));
            }
            return null;
        });
        var pid = _runtime.Spawn(receiver, _host).Value;
        Assert.Null(Activity.Current);
        Assert.True(_runtime.Send(pid, "a", 1).Ok);
        Assert.True(_runtime.Send(pid, "b", 2).Ok);
        var spans = await SpansWhen(s => s.Count(a => a.OperationName == "process.receive" && Equals(a.GetTagItem("typed_processes.pid"), pid.ToString())) == 2);

        var receives = spans.Where(a => a.OperationName == "process.receive" && Equals(a.GetTagItem("typed_processes.pid"), pid.ToString())).ToList();
        Assert.Equal(["a", "b"], receives.Select(a => (string)a.GetTagItem("typed_processes.topic")!));
        Assert.All(receives, a => Assert.Equal(default, a.ParentSpanId)); // the senders had no context: new traces
        Assert.NotEqual(receives[0].TraceId, receives[1].TraceId);
        Assert.Equal(receives.Select(a => a.Id), ids.Select(i => i.Id)); // each current for the code that took it
        Assert.True(receives[0].StartTimeUtc + receives[0].Duration <= receives[1].StartTimeUtc); // ended by the next receive
    }

    [Fact]
    public async Task A_calls_request_is_received_under_the_call_span_and_the_call_links_to_the_reply()
    {
        var server = Entry(async ctx =>
        {
            var m = await ctx.Inbox().ReceiveAsync();
            m.Reply((int)m.Payload! * 2).ThrowIfFailed();
            return null;
        });
        var serverPid = _runtime.Spawn(server, _host).Value;
        var client = Entry(async ctx => (await ctx.CallAsync<int>(serverPid, "double", 21, Guard)).Value);
        var exit = await _runtime.RunAsync(client, _host).WaitAsync(Guard);
        Assert.Equal(42, exit.Result);
        var spans = await SpansWhen(s => s.Any(a => a.OperationName == "process.call double") && s.Any(a => a.OperationName == "process.receive" && Equals(a.GetTagItem("typed_processes.pid"), serverPid.ToString())));

        var call = Assert.Single(spans, a => a.OperationName == "process.call double");
        var receive = ReceiveOf(spans, serverPid);
        Assert.Equal((call.TraceId, call.SpanId), (receive.TraceId, receive.ParentSpanId));
        var link = Assert.Single(call.Links);
        Assert.Equal((receive.TraceId, receive.SpanId), (link.Context.TraceId, link.Context.SpanId));
    }

    [Fact]
    public async Task A_supervisor_restart_is_a_span_with_the_supervisor_child_and_reason()
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
        var pid = kit.Pids["a"];
        var exit = _runtime.WaitForExitAsync(pid);
        Assert.True(_runtime.Send(pid, "crash", null).Ok);
        await exit.WaitAsync(Guard);
        Assert.Equal("start a", await kit.Next());
        var spans = await SpansWhen(s => s.Any(a => a.OperationName == "supervisor.restart" && Equals(a.GetTagItem("typed_processes.supervisor"), name)));

        var restart = Assert.Single(spans, a => a.OperationName == "supervisor.restart" && Equals(a.GetTagItem("typed_processes.supervisor"), name));
        Assert.Equal("a", restart.GetTagItem("typed_processes.child"));
        Assert.Contains("crash", (string)restart.GetTagItem("typed_processes.restart.reason")!);
        // The restarted child's spawn ran inside it.
        Assert.Contains(spans, a => a.OperationName == "process.spawn" && a.ParentSpanId == restart.SpanId && Equals(a.GetTagItem("typed_processes.entry"), entry));
    }

    [Fact]
    public async Task Received_messages_and_their_latency_are_recorded_per_host_and_entry()
    {
        var receiver = Entry(async ctx =>
        {
            var topic = ctx.Listen<int>("t");
            await ctx.Inbox().ReceiveAsync();
            await topic.ReceiveAsync();
            return null;
        });
        var pid = _runtime.Spawn(receiver, _host).Value;
        var exited = _runtime.WaitForExitAsync(pid);
        Assert.True(_runtime.Send(pid, "inbox", 1).Ok);
        Assert.True(_runtime.Send(pid, "t", 2).Ok);
        await exited.WaitAsync(Guard);

        Assert.Equal(2, Sum("typed_processes.messages.received"));
        var latencies = _doubles.Where(m => m.Name == "typed_processes.messages.receive_latency" && Equals(m.Tags["host"], _host) && Equals(m.Tags["entry"], receiver)).ToList();
        Assert.Equal(2, latencies.Count);
        Assert.All(latencies, m => Assert.InRange(m.Value, 0, Guard.TotalSeconds));
    }

    [Fact]
    public async Task Mailbox_lengths_and_live_processes_are_observed_per_host_and_entry()
    {
        var idle = Entry(Blocked);
        var other = Entry(Blocked);
        var a = _runtime.Spawn(idle, _host).Value;
        var b = _runtime.Spawn(idle, _host).Value;
        _runtime.Spawn(other, _host).ThrowIfFailed();
        for (int i = 0; i < 3; i++) Assert.True(_runtime.Send(a, "x", i).Ok);
        Assert.True(_runtime.Send(b, "x", 1).Ok);
        _meters.RecordObservableInstruments();

        long Last(string name, string entry) =>
            _measurements.Last(m => m.Name == name && Equals(m.Tags["host"], _host) && Equals(m.Tags["entry"], entry)).Value;
        Assert.Equal(4, Last("typed_processes.mailbox.length", idle));
        Assert.Equal(3, Last("typed_processes.mailbox.max_length", idle));
        Assert.Equal(0, Last("typed_processes.mailbox.length", other));
        Assert.Equal(2, Last("typed_processes.process.live", idle));
        Assert.Equal(1, Last("typed_processes.process.live", other));
        Assert.DoesNotContain(_measurements, m => m.Name.StartsWith("typed_processes.mailbox.", StringComparison.Ordinal) && m.Tags.ContainsKey("pid"));

        // An entry whose processes all ended is reported as 0 (the series does not vanish).
        foreach (var pid in new[] { a, b })
        {
            var exited = _runtime.WaitForExitAsync(pid);
            _runtime.Terminate(pid).ThrowIfFailed();
            await exited.WaitAsync(Guard);
        }
        _meters.RecordObservableInstruments();
        Assert.Equal(0, Last("typed_processes.process.live", idle));
    }
}
