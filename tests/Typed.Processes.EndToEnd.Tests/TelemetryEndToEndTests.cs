using System.Diagnostics;
using Typed.Processes.Tests;

namespace Typed.Processes.EndToEnd;

/// <summary>A generated entry whose handler reports the span current for it, before and after an await.</summary>
[ProcessEntry("app.workers:traced")]
public partial class Traced
{
    [Topic("where")]
    public async ValueTask<string> OnWhere(long n)
    {
        var before = Activity.Current?.Id;
        await Task.Yield();
        return $"{n}|{before}|{Activity.Current?.Id}";
    }
}

/// <summary>Listeners are process-wide: these tests run alone.</summary>
[CollectionDefinition(nameof(TelemetryEndToEndCollection), DisableParallelization = true)]
public sealed class TelemetryEndToEndCollection;

/// <summary>Generated <c>[Topic]</c> handlers run inside the span of the message they handle.</summary>
[Collection(nameof(TelemetryEndToEndCollection))]
public sealed class TelemetryEndToEndTests : IAsyncLifetime
{
    private static readonly HostRef Host = ProcessReferences.Hosts.AppE2e;
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60); // a failure guard, never synchronisation
    private readonly ProcessRuntime _runtime = new();
    private readonly SpanRecorder _spans = new();

    public TelemetryEndToEndTests()
    {
        _runtime.AddGeneratedEntries();
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        _spans.Dispose();
        await _runtime.DisposeAsync();
    }

    [Fact]
    public async Task A_generated_handler_runs_inside_the_receive_span_of_its_message()
    {
        using var source = new ActivitySource("test");
        var pid = Traced.Spawn(_runtime, Host).Value;
        var replies = new List<string>();
        ActivityTraceId trace;
        using (var root = source.StartActivity("request")!)
        {
            trace = root.TraceId;
            for (int i = 1; i <= 2; i++) replies.Add((await _runtime.CallWhereAsync(pid, i, Guard).AsTask().WaitAsync(Guard)).Value);
        }
        Assert.True(_runtime.Terminate(pid).Ok); // ends the second receive span
        List<Activity> spans;
        while ((spans = _spans.Spans.ToList()).Count(a => a.OperationName == "process.receive" && Equals(a.GetTagItem("typed_processes.pid"), pid.ToString())) < 2)
            Assert.True(await _spans.NextAsync(Guard), "the receive spans were not recorded");

        var calls = spans.Where(a => a.OperationName == "process.call where").ToList();
        var receives = spans.Where(a => a.OperationName == "process.receive" && Equals(a.GetTagItem("typed_processes.pid"), pid.ToString())).ToList();
        Assert.Equal(2, calls.Count);
        for (int i = 0; i < 2; i++)
        {
            Assert.Equal((trace, calls[i].SpanId), (receives[i].TraceId, receives[i].ParentSpanId));
            // The handler saw its message's span, before and after its await.
            Assert.Equal($"{i + 1}|{receives[i].Id}|{receives[i].Id}", replies[i]);
        }
    }
}
