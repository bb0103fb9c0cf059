using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Typed.Processes.Hosting;

/// <summary>Health checks for Typed.Processes.</summary>
public static class TypedProcessesHealthCheckExtensions
{
    /// <summary>
    /// Adds a check of the runtime <see cref="TypedProcessesServiceCollectionExtensions.AddTypedProcesses"/> added:
    /// Unhealthy once it is shut down; Degraded while a host is starved (work waiting, no work item finished, for
    /// <see cref="TypedProcessesOptions.StarvationThreshold"/> or longer, seen by two checks in a row); Healthy otherwise.
    /// </summary>
    public static IHealthChecksBuilder AddTypedProcessesHealthCheck(this IHealthChecksBuilder builder, string name = "typed-processes", IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton<TypedProcessesHealthCheck>();
        return builder.Add(new HealthCheckRegistration(name, sp => sp.GetRequiredService<TypedProcessesHealthCheck>(), null, tags));
    }

    /// <summary>
    /// Adds a check of the supervised services the host started (Lua applications' <c>process.service</c> entries and
    /// <see cref="TypedProcessesOptions.Services"/>): Healthy when every one runs; Degraded while one waits for a
    /// restart (its backoff delay); Unhealthy when one is down for good (it gave up after <c>max_attempts</c>
    /// restarts, ended normally or was terminated, or the host stopped it). The description names each service that
    /// is not running.
    /// </summary>
    public static IHealthChecksBuilder AddTypedProcessesServicesHealthCheck(this IHealthChecksBuilder builder, string name = "typed-processes-services", IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton<ServicesHealthCheck>();
        return builder.Add(new HealthCheckRegistration(name, sp => sp.GetRequiredService<ServicesHealthCheck>(), null, tags));
    }
}

/// <summary>
/// Asks each service's supervisor for its child (one call each, <see cref="SupervisorClient.WhichChildrenAsync"/>):
/// running, waiting for a restart, or stopped.
/// </summary>
internal sealed class ServicesHealthCheck(ProcessRuntime runtime, HostedServices services) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var restarting = new List<string>();
        var down = new List<string>();
        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        int count = 0;
        foreach (var running in services.Running)
            foreach (var service in running.Services)
            {
                count++;
                var state = await StateAsync(running.SupervisorOf(service.Reference), cancellationToken).ConfigureAwait(false);
                data[service.Reference] = state;
                if (state == "restarting") restarting.Add(service.Reference);
                else if (state != "running") down.Add($"{service.Reference} ({state})");
            }
        if (down.Count > 0)
            return HealthCheckResult.Unhealthy("service(s) down: " + string.Join(", ", down)
                + (restarting.Count > 0 ? "; restarting: " + string.Join(", ", restarting) : ""), data: data);
        if (restarting.Count > 0) return HealthCheckResult.Degraded("service(s) restarting: " + string.Join(", ", restarting), data: data);
        return HealthCheckResult.Healthy($"{count} service(s) running", data);
    }

    private async Task<string> StateAsync(RunningProcess? supervisor, CancellationToken cancellationToken)
    {
        if (supervisor is not { } sup || sup.Exit.IsCompleted) return "stopped";
        var children = await runtime.Supervisor(sup.Pid).WhichChildrenAsync(cancellationToken).ConfigureAwait(false);
        if (!children.TryGetValue(out var list)) return sup.Exit.IsCompleted ? "stopped" : "unknown: " + children.Error;
        return list.Count == 0 ? "stopped"
            : list[0].Pid is not null ? "running"
            : list[0].RestartPending ? "restarting"
            : "gave up or ended";
    }
}

/// <summary>
/// Runtime liveness and host starvation. A host is starved when work items wait on it and none has finished between
/// two checks at least <see cref="TypedProcessesOptions.StarvationThreshold"/> apart (every worker is stuck, e.g. in
/// blocking code): the counters it reads (<see cref="ProcessHost.QueueLength"/>, <see cref="ProcessHost.ExecutedWorkItems"/>)
/// cost a few reads, so checks can be frequent.
/// </summary>
internal sealed class TypedProcessesHealthCheck(ProcessRuntime runtime, IOptions<TypedProcessesOptions> options) : IHealthCheck
{
    private readonly Dictionary<string, HostProgress> _progress = new(StringComparer.Ordinal);

    /// <summary>What the previous check saw of a host: its counter, whether work waited, when, and since when it has not moved.</summary>
    private sealed record HostProgress(long Executed, bool Queued, DateTimeOffset At, DateTimeOffset? StalledSince);

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (runtime.IsShutDown) return Task.FromResult(HealthCheckResult.Unhealthy("the process runtime is shut down"));
        var now = runtime.Time.GetUtcNow();
        var threshold = options.Value.StarvationThreshold;
        var starved = new List<string>();
        var data = new Dictionary<string, object>(StringComparer.Ordinal) { ["processes"] = runtime.ProcessCount };
        lock (_progress)
        {
            foreach (var host in runtime.Hosts.All.OrderBy(h => h.Reference, StringComparer.Ordinal))
            {
                // Read the queue before the counter: an item finished in between shows as progress, not starvation.
                var queued = host.QueueLength;
                var executed = host.ExecutedWorkItems;
                data[host.Reference + ".queue"] = queued;
                _progress.TryGetValue(host.Reference, out var last);
                DateTimeOffset? stalledSince = null;
                if (queued > 0 && last is { Queued: true } && last.Executed == executed)
                {
                    stalledSince = last.StalledSince ?? last.At;
                    if (now - stalledSince.Value >= threshold)
                        starved.Add($"{host.Reference} ({queued} waiting, nothing run for {now - stalledSince.Value})");
                }
                _progress[host.Reference] = new HostProgress(executed, queued > 0, now, stalledSince);
            }
        }
        return Task.FromResult(starved.Count > 0
            ? HealthCheckResult.Degraded("starved host(s): " + string.Join(", ", starved), data: data)
            : HealthCheckResult.Healthy($"{runtime.ProcessCount} process(es) running", data));
    }
}
