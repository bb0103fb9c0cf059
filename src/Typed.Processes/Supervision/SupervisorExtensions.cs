namespace Typed.Processes;

/// <summary>
/// Starting supervisors and talking to them (see <see cref="SupervisorSpec"/>). A supervisor is a process: it has a
/// PID, may be registered, monitored and linked, and may be a child of another supervisor
/// (<see cref="ChildSpec.Supervisor"/>), so supervision trees compose and a failure escalates up the tree.
/// </summary>
public static class SupervisorExtensions
{
    /// <summary>
    /// Starts a supervisor from outside any process and waits until it has started every child, in order. An invalid
    /// specification or a child that cannot start is an error (the children already started are stopped in reverse
    /// order and the supervisor ends); otherwise the running supervisor, whose <see cref="RunningProcess.Exit"/>
    /// completes when it ends (with an error if it gave up after too many restarts). It is linked to nothing: stop it
    /// with <c>Cancel</c> (an orderly stop of its children) or the runtime's shutdown.
    /// </summary>
    public static async Task<Result<RunningProcess>> StartSupervisorAsync(this ProcessRuntime runtime, SupervisorSpec spec, [HostReference] string host)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        if (spec is null) return Result<RunningProcess>.Failure("the supervisor specification is null");
        if (spec.Check() is { } invalid) return Result<RunningProcess>.Failure(invalid);
        var ack = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var options = new SpawnOptions { Definition = SupervisorProcess.Definition(spec, ack, null), RegisterAs = spec.Name };
        var started = runtime.Start(options, SupervisorProcess.EntryReference, host);
        if (!started.TryGetValue(out var running)) return Result<RunningProcess>.Failure(started.Error!);
        if (await ack.Task.ConfigureAwait(false) is { } error)
        {
            await running.Exit.ConfigureAwait(false);
            return Result<RunningProcess>.Failure(error);
        }
        return Result<RunningProcess>.Success(running);
    }

    /// <summary>
    /// Starts a supervisor linked to this process (OTP's <c>supervisor:start_link</c>) and waits, suspending only this
    /// process, until it has started every child. A child that cannot start is an error here (the supervisor has
    /// ended and unlinked itself first, so this process is not killed by it). Once started, a supervisor that gives up
    /// ends with an error, which terminates this process through the link unless it traps links; if this process
    /// fails, the supervisor stops its children in reverse order and ends.
    /// </summary>
    public static async ValueTask<Result<Pid>> StartSupervisorAsync(this ProcessContext context, SupervisorSpec spec, [HostReference] string host)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (spec is null) return Result<Pid>.Failure("the supervisor specification is null");
        if (spec.Check() is { } invalid) return Result<Pid>.Failure(invalid);
        var ack = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var options = new SpawnOptions { Definition = SupervisorProcess.Definition(spec, ack, context.Self), RegisterAs = spec.Name };
        var spawned = context.Runtime.SpawnCore(SupervisorProcess.EntryReference, host, [], context.Core, SpawnMode.Linked, null, options);
        if (!spawned.TryGetValue(out var pid)) return spawned;
        var error = await ack.Task.WaitAsync(context.Aborted).ConfigureAwait(true);
        if (error is null) return Result<Pid>.Success(pid);
        // As from outside: the error is returned once the supervisor (which stopped what it had started) is gone.
        await context.Runtime.WaitForExitAsync(pid, context.Aborted).ConfigureAwait(true);
        return Result<Pid>.Failure(error);
    }

    /// <summary>A typed handle on the supervisor <paramref name="supervisor"/>, for calls from outside any process.</summary>
    public static SupervisorClient Supervisor(this ProcessRuntime runtime, Pid supervisor)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        return new SupervisorClient(runtime, null, supervisor);
    }

    /// <summary>A typed handle on the supervisor <paramref name="supervisor"/>, for calls from this process.</summary>
    public static SupervisorClient Supervisor(this ProcessContext context, Pid supervisor)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new SupervisorClient(context.Runtime, context, supervisor);
    }
}
