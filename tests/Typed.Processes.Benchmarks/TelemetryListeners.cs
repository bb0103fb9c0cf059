using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Typed.Processes.Benchmarks;

/// <summary>
/// With <c>BENCH_LISTENER=1</c>: an <see cref="ActivityListener"/> that samples every span of the runtime's source
/// (AllDataAndRecorded) and a <see cref="MeterListener"/> on every instrument of its meter, both discarding what they
/// get, so the run measures what instrumentation costs when someone listens (without an exporter's own cost).
/// </summary>
public static class TelemetryListeners
{
    public static IDisposable? AttachIfAsked()
    {
        if (Environment.GetEnvironmentVariable("BENCH_LISTENER") != "1") return null;
        var spans = new ActivityListener
        {
            ShouldListenTo = s => s.Name == TypedProcessesTelemetry.SourceName,
            Sample = (ref _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _ => { },
        };
        ActivitySource.AddActivityListener(spans);
        var meters = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == TypedProcessesTelemetry.SourceName) listener.EnableMeasurementEvents(instrument);
            },
        };
        meters.SetMeasurementEventCallback<long>((_, _, _, _) => { });
        meters.SetMeasurementEventCallback<double>((_, _, _, _) => { });
        meters.Start();
        Console.WriteLine("  (an activity listener and a meter listener are attached)");
        return new Both(spans, meters);
    }

    private sealed class Both(ActivityListener spans, MeterListener meters) : IDisposable
    {
        public void Dispose()
        {
            spans.Dispose();
            meters.Dispose();
        }
    }
}
