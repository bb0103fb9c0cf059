namespace Typed.Processes.Tests;

/// <summary>
/// A clock moved by hand. Its timers refuse due times beyond 0xfffffffe ms, as <see cref="TimeProvider.System"/>'s do
/// (System.Threading.Timer), so that code relying on longer timers fails here as it does in production.
/// </summary>
internal sealed class ManualTime : TimeProvider
{
    private readonly List<ManualTimer> _timers = [];
    private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() { lock (_timers) return _now; }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ManualTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    public int ActiveTimers { get { lock (_timers) return _timers.Count(t => t.Due is not null); } }

    /// <summary>Moves the clock, firing due timers in order (a timer re-armed by its callback may fire again).</summary>
    public void Advance(TimeSpan by)
    {
        DateTimeOffset target;
        lock (_timers) target = _now + by;
        while (true)
        {
            ManualTimer? next;
            lock (_timers)
            {
                next = _timers.Where(t => t.Due is { } d && d <= target).MinBy(t => t.Due);
                if (next is null) { _now = target; return; }
                _now = next.Due!.Value;
                next.Due = null;
            }
            next.Fire();
        }
    }

    private sealed class ManualTimer(ManualTime time, TimerCallback callback, object? state) : ITimer
    {
        public DateTimeOffset? Due;

        public void Fire() => callback(state);

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            if (dueTime != Timeout.InfiniteTimeSpan && (dueTime < TimeSpan.Zero || dueTime.TotalMilliseconds > 0xfffffffe))
                throw new ArgumentOutOfRangeException(nameof(dueTime), "as System.Threading.Timer: at most 0xfffffffe ms");
            lock (time._timers)
            {
                if (!time._timers.Contains(this)) time._timers.Add(this);
                Due = dueTime == Timeout.InfiniteTimeSpan ? null : time._now + dueTime;
            }
            return true;
        }

        public void Dispose() { lock (time._timers) time._timers.Remove(this); }

        public ValueTask DisposeAsync() { Dispose(); return ValueTask.CompletedTask; }
    }
}
