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
        Assert.Equal(1, Assert.Single(Points(metrics, "typed_processes.process.live", gauge: true), p => Equals(p.Tags["host"], _host)).Value);
    }
}
