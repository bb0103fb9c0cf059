namespace Typed.Processes;

/// <summary>A process whose body is a C# <see cref="ProcessMain"/>; its awaits resume on its host's workers.</summary>
internal sealed class CSharpProcess(ProcessRuntime runtime, ProcessHost host, Pid pid, object?[] args, ProcessMain main)
    : ProcessCore(runtime, host, pid, args)
{
    private ValueTask<object?> _running;

    internal override bool PrefersLocal => true;

    public override void Execute()
    {
        if (!IsAlive) return;
        RunSlices++;
        ValueTask<object?> running;
        try
        {
            running = main(Context);
        }
        catch (Exception ex)
        {
            MainRuns();
            Fail(ex);
            return;
        }
        // Started once main's first run has ended (its first await, or its end): like OTP's init, what a child does
        // before it first waits is done before its supervisor starts the next child.
        MainRuns();
        try
        {
            if (running.IsCompleted)
            {
                Complete(running);
                return;
            }
            // Observe the end without a Task (AsTask + ContinueWith cost ~200 bytes per live process): the continuation
            // runs synchronously on whichever worker completes the body.
            _running = running;
            running.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(CompleteRunning);
        }
        catch (Exception ex) // a ValueTask over a user IValueTaskSource whose GetStatus/OnCompleted throws
        {
            _running = default;
            Fail(ex);
        }
    }

    private void CompleteRunning()
    {
        var finished = _running;
        _running = default;
        try
        {
            Complete(finished);
        }
        catch (Exception ex)
        {
            // This continuation runs on whichever thread completed the body (possibly a pool thread): nothing may
            // escape it, or the whole .NET process ends. Complete and Fail do not throw; this is the last guard.
            Exit(ExitInfo.Failed("process could not complete: " + ExceptionText.Describe(ex)));
        }
    }

    private void Complete(ValueTask<object?> finished)
    {
        object? result;
        try
        {
            result = finished.Result;
        }
        catch (Exception ex)
        {
            Fail(ex);
            return;
        }
        if (result is ProcessFailure failure)
        {
            Exit(ExitInfo.Failed(failure.Error));
            return;
        }
        var prepared = Payloads.Prepare(result);
        Exit(prepared.Ok ? ExitInfo.Normal(prepared.Value) : ExitInfo.Failed("invalid result: " + prepared.Error));
    }

    private void Fail(Exception ex)
    {
        if (ex is ProcessTerminatedException && !IsAlive) return; // already dead: the exception only unwound its code
        if (ex is AggregateException { InnerExceptions.Count: 1 } agg) ex = agg.InnerException!;
        // The exception is the process's own object: its Message or ToString may throw (ExceptionText guards reads).
        var error = ExceptionText.Describe(ex);
        if (Exit(ExitInfo.Failed(error, ex))) Runtime.LogCrash(this, ex, error);
    }
}
