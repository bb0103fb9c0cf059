using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using static Typed.Processes.Hosting.Tests.TestHost;

namespace Typed.Processes.Hosting.Tests;

/// <summary>OpenTelemetry providers listen process-wide: these tests run alone, and filter by their own host.</summary>
[CollectionDefinition(nameof(InstrumentationCollection), DisableParallelization = true)]
public sealed class InstrumentationCollection;

[Collection(nameof(InstrumentationCollection))]
public sealed class InstrumentationTests
{
    private readonly string _host = "otel:h" + Guid.NewGuid().ToString("N")[..8];

    private static List<(long Value, Dictionary<string, object?> Tags)> Points(IEnumerable<Metric> metrics, string name, bool gauge = false)
    {
        var result = new List<(long Value, Dictionary<string, object?> Tags)>();
        foreach (var metric in metrics.Where(m => m.Name == name))
            foreach (ref readonly var point in metric.GetMetricPoints())
            {
                var tags = new Dictionary<string, object?>();
                foreach (var tag in point.Tags) tags[tag.Key] = tag.Value;
                result.Add((gauge ? point.GetGaugeLastValueLong() : point.GetSumLong(), tags));
            }
        return result;
    }

    [Fact]
    public async Task The_tracer_provider_exports_the_spawn_and_error_exit_spans()
    {
        var spans = new List<Activity>();
        using (var tracer = Sdk.CreateTracerProviderBuilder().AddTypedProcessesInstrumentation().AddInMemoryExporter(spans).Build())
        {
            await using var runtime = new ProcessRuntime();
            runtime.Hosts.Add(_host, workers: 1);
            var failing = runtime.Entries.Add("otel:failing", _ => throw new InvalidOperationException("boom")).Reference;
            var exit = await runtime.RunAsync(failing, _host).WaitAsync(Guard, TestContext.Current.CancellationToken);
            Assert.NotNull(exit.Error);
            tracer.ForceFlush();
        }
        var spawn = Assert.Single(spans, s => s.OperationName == "process.spawn" && Equals(s.GetTagItem("typed_processes.host"), _host));
        Assert.Equal("otel:failing", spawn.GetTagItem("typed_processes.entry"));
        var exitSpan = Assert.Single(spans, s => s.OperationName == "process.exit" && Equals(s.GetTagItem("typed_processes.host"), _host));
        Assert.Equal(ActivityStatusCode.Error, exitSpan.Status);
        Assert.Contains("boom", exitSpan.StatusDescription);
    }

    [Fact]
    public async Task The_meter_provider_exports_spawns_exits_and_live_processes_per_host()
    {
        var metrics = new List<Metric>();
        using var meter = Sdk.CreateMeterProviderBuilder().AddTypedProcessesInstrumentation().AddInMemoryExporter(metrics).Build();
        await using var runtime = new ProcessRuntime();
        runtime.Hosts.Add(_host, workers: 1);
        var ok = runtime.Entries.Add("otel:ok", _ => ValueTask.FromResult<object?>(null)).Reference;
        var blocked = runtime.Entries.Add("otel:blocked", async ctx => { await ctx.NewChannel<int>().ReceiveAsync(); return null; }).Reference;
        for (int i = 0; i < 2; i++) await runtime.RunAsync(ok, _host).WaitAsync(Guard, TestContext.Current.CancellationToken);
        runtime.Spawn(blocked, _host).ThrowIfFailed();
        meter.ForceFlush();

        Assert.Equal(3, Points(metrics, "typed_processes.process.spawns").Where(p => Equals(p.Tags["host"], _host)).Sum(p => p.Value));
        Assert.Equal(2, Points(metrics, "typed_processes.process.exits")
            .Where(p => Equals(p.Tags["host"], _host) && Equals(p.Tags["outcome"], "normal")).Sum(p => p.Value));
        Assert.Equal(1, Assert.Single(Points(metrics, "typed_processes.process.live", gauge: true), p => Equals(p.Tags["host"], _host) && Equals(p.Tags["entry"], "otel:blocked")).Value);
    }

    [Fact]
    public async Task The_tracer_provider_exports_receive_spans_under_the_senders_trace()
    {
        var spans = new List<Activity>();
        using var source = new ActivitySource("test");
        using (var tracer = Sdk.CreateTracerProviderBuilder().AddSource("test").AddTypedProcessesInstrumentation().AddInMemoryExporter(spans).Build())
        {
            await using var runtime = new ProcessRuntime();
            runtime.Hosts.Add(_host, workers: 1);
            var echo = runtime.Entries.Add("otel:echo", async ctx => (await ctx.Inbox().ReceiveAsync()).Payload).Reference;
            var pid = runtime.Spawn(echo, _host).Value;
            var exited = runtime.WaitForExitAsync(pid);
            using (source.StartActivity("request"))
                runtime.Send(pid, "hello", 1).ThrowIfFailed();
            await exited.WaitAsync(Guard, TestContext.Current.CancellationToken);
            tracer.ForceFlush();
        }
        var request = Assert.Single(spans, s => s.OperationName == "request");
        var receive = Assert.Single(spans, s => s.OperationName == "process.receive" && Equals(s.GetTagItem("typed_processes.topic"), "hello"));
        Assert.Equal((request.TraceId, request.SpanId), (receive.TraceId, receive.ParentSpanId));
    }

    [Fact]
    public async Task The_meter_provider_exports_the_Lua_packages_instruments_too()
    {
        var metrics = new List<Metric>();
        using var meter = Sdk.CreateMeterProviderBuilder().AddTypedProcessesInstrumentation().AddInMemoryExporter(metrics).Build();
        await using var runtime = new ProcessRuntime();
        runtime.Hosts.Add(_host, workers: 1);
        runtime.Entries.Add(new Typed.Processes.Lua.LuaEntry("otel:lua",
            "return { main = function() local s = string.rep('x', 100000) process.inbox():receive() return #s end }", "otel_lua.lua"));
        var pid = runtime.Spawn("otel:lua", _host).Value;
        meter.ForceFlush();
        runtime.Send(pid, "done", null).ThrowIfFailed();

        Assert.True(Assert.Single(Points(metrics, "typed_processes.lua.memory", gauge: true), p => Equals(p.Tags["host"], _host)).Value > 0);
    }
}
