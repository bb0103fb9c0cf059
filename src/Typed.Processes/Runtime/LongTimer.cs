namespace Typed.Processes;

/// <summary>
/// A one-shot timer for any non-negative <see cref="TimeSpan"/>. <see cref="TimeProvider.CreateTimer"/> (as
/// System.Threading.Timer) refuses due times beyond 0xfffffffe ms (~49.7 days) with an exception, yet a deadline of
/// "1200h" parses and must work: longer delays are armed in chunks of at most that, re-armed as each chunk ends.
/// </summary>
internal abstract class LongTimer
{
    /// <summary>The longest due time a <see cref="TimeProvider.System"/> timer takes.</summary>
    internal static readonly TimeSpan MaxChunk = TimeSpan.FromMilliseconds(0xfffffffe);

    private TimeSpan _remaining;
    private ITimer? _timer;
    private bool _stopped;

    /// <summary>Arms the timer; <see cref="OnDue"/> runs once, on a timer thread, after <paramref name="due"/> (negative: at once).</summary>
    protected void Arm(TimeProvider time, TimeSpan due)
    {
        _remaining = due < TimeSpan.Zero ? TimeSpan.Zero : due;
        lock (this) // a short first chunk may fire before CreateTimer returns: Fire waits for _timer
            _timer = time.CreateTimer(static s => ((LongTimer)s!).Fire(), this, NextChunk(), Timeout.InfiniteTimeSpan);
    }

    private TimeSpan NextChunk()
    {
        var chunk = _remaining > MaxChunk ? MaxChunk : _remaining;
        _remaining -= chunk;
        return chunk;
    }

    private void Fire()
    {
        lock (this)
        {
            if (_stopped) return;
            if (_remaining > TimeSpan.Zero)
            {
                _timer!.Change(NextChunk(), Timeout.InfiniteTimeSpan);
                return;
            }
            _stopped = true;
        }
        _timer!.Dispose();
        OnDue();
    }

    /// <summary>Stops the timer if it has not fired (releases what its callback holds).</summary>
    public void Stop()
    {
        lock (this)
        {
            if (_stopped) return;
            _stopped = true;
        }
        _timer?.Dispose();
    }

    /// <summary>The timer's work. Runs on a timer thread: must not throw.</summary>
    protected abstract void OnDue();
}
