using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Typed.Processes.Tests;
using Xunit;

namespace Typed.Processes.Lua.Tests;

/// <summary>Listeners are process-wide: these tests run alone.</summary>
[CollectionDefinition(nameof(LuaTelemetryCollection), DisableParallelization = true)]
public sealed class LuaTelemetryCollection;

/// <summary>Trace context through Lua processes, Lua calls as spans, and the Lua memory gauge.</summary>
[Collection(nameof(LuaTelemetryCollection))]
public sealed class LuaTelemetryTests : LuaTest, IAsyncDisposable
{
    private readonly SpanRecorder _spans = new();

    // xUnit v3 calls only DisposeAsync on a class that is also IAsyncDisposable (LuaTest is): a Dispose() here never
    // ran, so every test's listener stayed attached and later tests (Lua_code_sees_no_traceparent_...) were traced.
    async ValueTask IAsyncDisposable.DisposeAsync()
    {
        _spans.Dispose();
        await DisposeAsync();
    }

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

    private static bool HasReceive(IEnumerable<Activity> spans, Pid pid) =>
        spans.Any(a => a.OperationName == "process.receive" && Equals(a.GetTagItem("typed_processes.pid"), pid.ToString()));

    /// <summary>A C# process that takes one message and keeps its payload (and what was current for its code).</summary>
    private (Pid Pid, TaskCompletionSource<(object? Payload, string? Current)> Got) CSharpSink(string topic)
    {
        var got = new TaskCompletionSource<(object? Payload, string? Current)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var name = "test:sink" + Guid.NewGuid().ToString("N")[..8];
        Runtime.Entries.Add(name, async ctx =>
        {
            var m = await ctx.Listen(topic).ReceiveAsync();
            got.SetResult((m, Activity.Current?.Id)); // a payload listener: m is the payload
            return null;
        });
        return (Runtime.Spawn(name, Host).Value, got);
    }

    [Fact]
    public async Task A_trace_follows_a_message_from_CSharp_through_Lua_to_CSharp()
    {
        using var source = new ActivitySource("test");
        var (last, got) = CSharpSink("n");
        // The Lua process takes the message, waits (its next slice runs on any worker), then sends on: the span of the
        // message it took is current for its code, and process.traceparent() shows it.
        var lua = Runtime.Spawn(Lua("""
            return { main = function(next_pid)
              local m = process.inbox():receive()
              time.sleep("1ms")
              assert(process.send(next_pid, "n", process.traceparent()))
              return m:payload()
            end }
            """), Host, last.ToString()).Value;
        var first = "test:first" + Guid.NewGuid().ToString("N")[..8];
        Runtime.Entries.Add(first, async ctx =>
        {
            var m = await ctx.Inbox().ReceiveAsync();
            ctx.Send(lua, "hop", m.Payload).ThrowIfFailed();
            return null;
        });
        var firstPid = Runtime.Spawn(first, Host).Value;
        ActivityTraceId trace;
        ActivitySpanId rootSpan;
        using (var root = source.StartActivity("request")!)
        {
            (trace, rootSpan) = (root.TraceId, root.SpanId);
            Assert.True(Runtime.Send(firstPid, "go", 7L).Ok);
        }
        var (traceparent, current) = await got.Task.WaitAsync(Guard);
        var spans = await SpansWhen(s => HasReceive(s, firstPid) && HasReceive(s, lua) && HasReceive(s, last));

        var a = ReceiveOf(spans, firstPid);
        var l = ReceiveOf(spans, lua);
        var c = ReceiveOf(spans, last);
        Assert.Equal((trace, rootSpan), (a.TraceId, a.ParentSpanId));
        Assert.Equal((trace, a.SpanId), (l.TraceId, l.ParentSpanId));
        Assert.Equal((trace, l.SpanId), (c.TraceId, c.ParentSpanId));
        Assert.Equal("hop", l.GetTagItem("typed_processes.topic"));
        Assert.Equal(l.Id, traceparent); // what Lua's process.traceparent() returned: its receive span, W3C
        Assert.Equal(c.Id, current);
    }

    [Fact]
    public async Task A_Lua_call_is_a_client_span_under_its_receive_and_links_to_the_reply()
    {
        var server = "test:server" + Guid.NewGuid().ToString("N")[..8];
        Runtime.Entries.Add(server, async ctx =>
        {
            var m = await ctx.Inbox().ReceiveAsync();
            m.Reply((long)m.Payload! * 2).ThrowIfFailed();
            return null;
        });
        var serverPid = Runtime.Spawn(server, Host).Value;
        var (last, got) = CSharpSink("n");
        var lua = Runtime.Spawn(Lua("""
            return { main = function(server, next_pid)
              local n = process.listen("work"):receive()
              local v = assert(process.call(server, "double", n))
              assert(process.send(next_pid, "n", v))
            end }
            """), Host, serverPid.ToString(), last.ToString()).Value;
        Assert.True(Runtime.Send(lua, "work", 21L).Ok);
        Assert.Equal(42L, (await got.Task.WaitAsync(Guard)).Payload);
        var spans = await SpansWhen(s => HasReceive(s, lua) && HasReceive(s, serverPid) && HasReceive(s, last) && s.Any(x => x.OperationName == "process.call double"));

        var l = ReceiveOf(spans, lua);
        var call = Assert.Single(spans, x => x.OperationName == "process.call double");
        var s = ReceiveOf(spans, serverPid);
        var c = ReceiveOf(spans, last);
        Assert.Equal(ActivityKind.Client, call.Kind);
        Assert.Equal((l.TraceId, l.SpanId), (call.TraceId, call.ParentSpanId));
        Assert.Equal((call.TraceId, call.SpanId), (s.TraceId, s.ParentSpanId));
        Assert.Equal((s.TraceId, s.SpanId), (Assert.Single(call.Links).Context.TraceId, Assert.Single(call.Links).Context.SpanId));
        // After the call, the Lua process's own receive is current again: its send is a child of it, not of the call.
        Assert.Equal((l.TraceId, l.SpanId), (c.TraceId, c.ParentSpanId));
    }

    [Fact]
    public async Task Lua_code_sees_no_traceparent_when_nobody_traces_its_message()
    {
        _spans.Dispose(); // nobody listens any more: sends carry no context
        var (last, got) = CSharpSink("n");
        var lua = Runtime.Spawn(Lua("""
            return { main = function(next_pid)
              process.inbox():receive()
              assert(process.send(next_pid, "n", tostring(process.traceparent())))
            end }
            """), Host, last.ToString()).Value;
        Assert.True(Runtime.Send(lua, "go", 1L).Ok);
        Assert.Equal("nil", (await got.Task.WaitAsync(Guard)).Payload);
    }

    [Fact]
    public async Task Lua_memory_in_use_is_observed_per_host()
    {
        var values = new ConcurrentQueue<(long Value, object? Host)>();
        using var meters = new MeterListener();
        meters.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == TypedProcessesTelemetry.SourceName && instrument.Name == "typed_processes.lua.memory")
                listener.EnableMeasurementEvents(instrument);
        };
        meters.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            object? host = null;
            foreach (var t in tags) if (t.Key == "host") host = t.Value;
            values.Enqueue((value, host));
        });
        meters.Start();
        var (sink, got) = CSharpSink("ready");
        var lua = Runtime.Spawn(Lua("""
            return { main = function(sink)
              local big = string.rep("x", 2000000)
              assert(process.send(sink, "ready", #big))
              process.inbox():receive()
              return #big
            end }
            """), Host, sink.ToString()).Value;
        await got.Task.WaitAsync(Guard);
        meters.RecordObservableInstruments();
        // Every live runtime reports its hosts; this one's Lua process holds a 2 MB string.
        Assert.True(values.Where(v => Equals(v.Host, Host)).Sum(v => v.Value) >= 2_000_000,
            string.Join(", ", values.Select(v => $"{v.Host}={v.Value}")));
        Assert.True(Runtime.Send(lua, "done", null).Ok);
    }

    [Fact]
    public async Task Lua_memory_counts_a_hosts_shared_states_after_their_processes_end()
    {
        // A shared state (the prelude, the stdlib, compiled entries: tens of KB) outlives its processes; a state of a
        // process's own closes with it.
        Runtime.Hosts.Add("app:memory", 1);
        Assert.Null((await Runtime.RunAsync(Lua("return { main = function() return 1 end }"), "app:memory").WaitAsync(Guard)).Error);
        long observed = -1;
        using var meters = new MeterListener();
        meters.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == TypedProcessesTelemetry.SourceName && instrument.Name == "typed_processes.lua.memory")
                listener.EnableMeasurementEvents(instrument);
        };
        meters.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var t in tags) if (t.Key == "host" && Equals(t.Value, "app:memory")) observed = value;
        });
        meters.Start();
        meters.RecordObservableInstruments();
        if (new LuaOptions().EffectiveIsolation == LuaIsolation.Shared) Assert.InRange(observed, 50_000, 10_000_000);
        else Assert.Equal(0, observed);
    }
}
