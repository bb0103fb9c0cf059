namespace Typed.Processes;

/// <summary>
/// The token of <see cref="ProcessContext.DeadlineToken"/>: cancelled when the deadline comes (armed on the runtime's
/// <see cref="TimeProvider"/>, in chunks for long deadlines) or when the process ends, whichever is first; either way the
/// other side is released.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The source has no timer of its own; the token it hands out must stay usable after the deadline, so nothing disposes it.")]
internal sealed class DeadlineTimer : LongTimer
{
    private readonly CancellationTokenSource _source = new();
    private CancellationTokenRegistration _aborted;

    private DeadlineTimer() { }

    public static CancellationToken Start(TimeProvider time, TimeSpan due, CancellationToken aborted)
    {
        var timer = new DeadlineTimer();
        var token = timer._source.Token;
        timer._aborted = aborted.UnsafeRegister(static s => ((DeadlineTimer)s!).Fire(), timer);
        timer.Arm(time, due);
        return token;
    }

    protected override void OnDue() => Fire();

    private void Fire()
    {
        Stop();
        _aborted.Unregister(); // not Dispose: this may run inside that very callback
        try { _source.Cancel(); }
        catch (AggregateException) { } // a callback of user code threw: not the runtime's to report
    }
}
