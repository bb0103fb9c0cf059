using System.ComponentModel;

namespace Typed.Processes;

/// <summary>
/// What the generated <c>Start</c> and <c>RunAsync</c> stubs call (public only for generated code). Neither throws
/// for input a <see cref="Result"/> can report: an unknown entry, a bad host (<c>default(HostRef)</c> included) or a
/// refused argument is an error result.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)] // generated code calls it
public static class GeneratedStubs
{
    /// <summary>Starts <paramref name="entry"/> on <paramref name="host"/> as <see cref="ProcessRuntime.Start(string, string, object?[])"/>, with a typed PID.</summary>
    public static Result<RunningProcess<TEntry>> Start<TEntry>(ProcessRuntime runtime, string entry, HostRef host, object?[] args)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        var started = runtime.Start(entry, host.Reference, args);
        return started.Ok
            ? Result<RunningProcess<TEntry>>.Success(new RunningProcess<TEntry>(new Pid<TEntry>(started.Value.Pid), started.Value.Exit))
            : Result<RunningProcess<TEntry>>.Failure(started.Error);
    }

    /// <summary>
    /// Starts <paramref name="entry"/> on <paramref name="host"/> and waits for it to end; <paramref name="cancellationToken"/>
    /// terminates it. The result is main's value on a normal exit, else an error: the spawn's, or the process's (the
    /// Exit event's <see cref="ProcessEvent.Error"/>).
    /// </summary>
    public static async Task<Result<TResult>> RunAsync<TResult>(ProcessRuntime runtime, string entry, HostRef host, object?[] args, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        var started = runtime.Start(entry, host.Reference, args);
        if (!started.Ok) return Result<TResult>.Failure(started.Error);
        var (pid, exit) = started.Value;
        using var registration = cancellationToken.CanBeCanceled ? cancellationToken.Register(() => runtime.Terminate(pid)) : default;
        return ResultOf<TResult>(await exit.ConfigureAwait(false));
    }

    /// <summary>An Exit event as a typed result: its value on a normal exit, its error otherwise.</summary>
    public static Result<TResult> ResultOf<TResult>(ProcessEvent exit)
    {
        ArgumentNullException.ThrowIfNull(exit);
        if (exit.Error is not null) return Result<TResult>.Failure(exit.Error);
        return exit.Result switch
        {
            TResult value => Result<TResult>.Success(value),
            null when default(TResult) is null => Result<TResult>.Success(default!),
            var other => Result<TResult>.Failure($"the process returned {other?.GetType().Name ?? "null"}, not {typeof(TResult).Name}"),
        };
    }
}
