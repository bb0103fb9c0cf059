namespace Typed.Processes.Tests;

/// <summary>Faults that must end one process (or one call) and nothing else: issue 8, items 11–13.</summary>
public class FaultTests : RuntimeTest
{
    // ---- item 11: no Exit event after Unmonitor returns -------------------------------------------------------

    [Fact]
    public async Task No_exit_event_arrives_after_unmonitor_in_10000_rounds_with_short_processes()
    {
        const int rounds = 10_000;
        var waits = Entry(async ctx => await ctx.Listen("go").ReceiveAsync());
        var spawnedBefore = Runtime.SpawnedCount;
        var result = await RunOk(async ctx =>
        {
            for (int i = 0; i < rounds; i++)
            {
                var pid = ctx.Spawn(waits, Host).Value;
                // Every other round, an observer queued before us holds the child's exit in the window where the child
                // is already dead but has not yet told us, and we unmonitor right then (the old code purged our events
                // before the Exit was queued, and then received it). The other rounds unmonitor at whatever point.
                var window = i % 2 == 0 ? new WindowObserver() : null;
                if (window is not null) Runtime.Find(pid)?.AddMonitor(window);
                ctx.Monitor(pid).ThrowIfFailed();
                ctx.Send(pid, "go", null).ThrowIfFailed();
                window?.WaitUntilInside();
                ctx.Unmonitor(pid).ThrowIfFailed();
                window?.Release();
                if (i % 64 == 0) await Task.Yield();
            }
            // Every child must have finished its exit (ExitedCount counts after the monitors were told) before we look.
            while (ctx.Runtime.ExitedCount < spawnedBefore + rounds) await Task.Yield();
            int late = 0;
            while (ctx.Events().TryReceive(out var e)) if (e.Kind == ProcessEventKind.Exit) late++;
            return late;
        });
        Assert.Equal(0, result);
    }

    /// <summary>Told of the exit before the monitoring process; stays inside (under the child's gate) until released
    /// or 100 µs (bounded: the fixed Unmonitor waits for the gate, so it cannot release us first).</summary>
    private sealed class WindowObserver : IExitObserver
    {
        private static readonly long Limit = System.Diagnostics.Stopwatch.Frequency / 10_000;
        private volatile bool _inside, _released;

        public void OnExit(ProcessCore process, ExitInfo exit)
        {
            _inside = true;
            var until = System.Diagnostics.Stopwatch.GetTimestamp() + Limit;
            while (!_released && System.Diagnostics.Stopwatch.GetTimestamp() < until) Thread.SpinWait(10);
        }

        public void WaitUntilInside()
        {
            var until = System.Diagnostics.Stopwatch.GetTimestamp() + 2 * Limit; // the child may need this worker: give up
            while (!_inside && System.Diagnostics.Stopwatch.GetTimestamp() < until) Thread.SpinWait(10);
        }

        public void Release() => _released = true;
    }
}
