using System.Collections.Concurrent;
using System.Diagnostics;
using Typed.Processes.Telemetry;

namespace Typed.Processes.Tests;

/// <summary>Records every span of the runtime's source (and of a test's own source named "test") while it lives.</summary>
internal sealed class SpanRecorder : IDisposable
{
    private readonly SemaphoreSlim _stopped = new(0); // released once per stopped span
    private readonly ActivityListener _listener;

    public SpanRecorder()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == TypedProcessesTelemetry.SourceName || s.Name == "test",
            Sample = (ref _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                Spans.Enqueue(a);
                _stopped.Release();
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>The stopped spans, in the order they stopped.</summary>
    public ConcurrentQueue<Activity> Spans { get; } = new();

    /// <summary>Waits for the next span to stop: false if none did within <paramref name="timeout"/>.</summary>
    public Task<bool> NextAsync(TimeSpan timeout) => _stopped.WaitAsync(timeout);

    public void Dispose() => _listener.Dispose();
}
