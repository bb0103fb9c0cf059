namespace Typed.Processes.Lua;

/// <summary>
/// The services of a <see cref="LuaApplication"/> that <see cref="LuaServiceExtensions.StartServicesAsync"/> started:
/// one supervisor per service, in start order. <see cref="StopAsync"/> stops them in the reverse order.
/// </summary>
public sealed class RunningServices
{
    private readonly ProcessRuntime _runtime;
    private readonly List<(LuaService Service, RunningProcess Supervisor)> _started;

    internal RunningServices(ProcessRuntime runtime, List<(LuaService, RunningProcess)> started)
    {
        _runtime = runtime;
        _started = started;
    }

    /// <summary>The services started, in start order.</summary>
    public IReadOnlyList<LuaService> Services => _started.ConvertAll(s => s.Service);

    /// <summary>The supervisor of the service <paramref name="reference"/> (its child is the service's process:
    /// <see cref="SupervisorExtensions.Supervisor(ProcessRuntime, Pid)"/> lists it), or null when it was not started.</summary>
    public RunningProcess? SupervisorOf(string reference)
    {
        foreach (var (service, supervisor) in _started)
            if (service.Reference == reference) return supervisor;
        return null;
    }

    /// <summary>
    /// Stops the services in the reverse of their start order: each one's supervisor is cancelled, which cancels the
    /// service's process and terminates it after its <c>stop_timeout</c>, and is awaited before the next one.
    /// </summary>
    public async Task StopAsync()
    {
        for (int i = _started.Count - 1; i >= 0; i--)
        {
            var supervisor = _started[i].Supervisor;
            _runtime.Cancel(supervisor.Pid);
            await supervisor.Exit.ConfigureAwait(false);
        }
    }
}

/// <summary>Starting the services (<c>process.service</c> entries) of a Lua application.</summary>
public static class LuaServiceExtensions
{
    /// <summary>
    /// Starts the services of <paramref name="app"/> whose <c>lifecycle.auto_start</c> is true (all of them when
    /// <paramref name="autoStartOnly"/> is false), in <see cref="LuaApplication.Services"/> order: each one under a
    /// supervisor of its own, on its host, whose single child runs the service's process with its input. The child is
    /// transient and a termination is final (<see cref="ChildSpec.TerminationIsFinal"/>): a normal exit or a termination
    /// ends the service, an error exit restarts it after the service's backoff, up to <c>max_attempts</c> restarts in a
    /// row. A service that cannot start within its <c>start_timeout</c> is an error, and the services already started
    /// are stopped in reverse order. A service is started when its process's main has begun running or, with
    /// <c>lifecycle.readiness: signal</c> (<see cref="LuaService.SignalsReady"/>), when it calls <c>process.ready()</c>
    /// (C#: <see cref="ProcessContext.SignalReady"/>); the next service (those that require it) starts only then. A
    /// service that ends before it is started, or is not started within its <c>start_timeout</c> (then it is
    /// terminated), fails the start with an error naming it; restarts wait for readiness the same way.
    /// </summary>
    public static async Task<Result<RunningServices>> StartServicesAsync(this LuaApplication app, ProcessRuntime runtime, bool autoStartOnly = true)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(runtime);
        var started = new List<(LuaService, RunningProcess)>();
        foreach (var service in app.Services)
        {
            if (autoStartOnly && !service.AutoStart) continue;
            var child = new ChildSpec(service.Reference, service.Process, service.Host, [.. service.Input])
            {
                Restart = RestartType.Transient,
                TerminationIsFinal = true,
                Shutdown = ChildShutdown.After(service.StopTimeout),
                SignalsReady = service.SignalsReady,
                StartTimeout = service.StartTimeout,
            };
            var spec = new SupervisorSpec
            {
                // The restart limit is the backoff's max attempts; the intensity never stops the supervisor.
                MaxRestarts = int.MaxValue,
                Period = TimeSpan.FromSeconds(1),
                Backoff = service.Restart with { MaxAttempts = service.MaxAttempts },
                Children = [child],
            };
            // The supervisor's start ends when the service is started (its main runs, or it signalled readiness), when
            // it ended first, or at its start_timeout (on the runtime's clock): then it was terminated.
            var result = await runtime.StartSupervisorAsync(spec, service.Host).ConfigureAwait(false);
            if (result.TryGetValue(out var supervisor))
            {
                started.Add((service, supervisor));
                continue;
            }
            var error = result.Error;
            await new RunningServices(runtime, started).StopAsync().ConfigureAwait(false);
            return Result<RunningServices>.Failure($"{service.File}:{service.Line}: service '{service.Reference}': {error}");
        }
        return Result<RunningServices>.Success(new RunningServices(runtime, started));
    }
}
