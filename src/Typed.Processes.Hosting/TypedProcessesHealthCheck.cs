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
