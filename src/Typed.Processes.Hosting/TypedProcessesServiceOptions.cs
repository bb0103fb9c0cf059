using Microsoft.Extensions.Configuration;

namespace Typed.Processes.Hosting;

/// <summary>
/// A supervised service (Wippy's <c>process.service</c> entry) configured in code (<see cref="TypedProcessesOptions.AddService"/>)
/// or bound from <c>TypedProcesses:Services</c>, with a manifest's field names (<c>process</c>, <c>host</c>, <c>input</c>,
/// <c>lifecycle</c>). The fields are read by the same manifest reader as a Lua application's <c>_index.yaml</c>, so the
/// same values are accepted and refused with the same messages; durations are Go-style text (<c>500ms</c>, <c>10s</c>, <c>1m30s</c>).
/// </summary>
public sealed class TypedProcessesServiceOptions
{
    /// <summary>The entry the service runs (<c>process</c>): a C# or Lua entry, <c>namespace:name</c>.</summary>
    public string? Process { get; set; }

    /// <summary>The host it runs on (<c>host</c>), <c>namespace:name</c>.</summary>
    public string? Host { get; set; }

    /// <summary>main's arguments (<c>input</c>), each read as a manifest's plain value: <c>42</c> is a number,
    /// <c>true</c> a boolean, <c>null</c> nothing, anything else a string.</summary>
    public List<string> Input { get; set; } = [];

    /// <summary>Start, stop and restart settings (<c>lifecycle</c>).</summary>
    public TypedProcessesServiceLifecycle Lifecycle { get; set; } = new();
}

/// <summary>A service's <c>lifecycle</c>; a setting left null takes the manifest's default.</summary>
public sealed class TypedProcessesServiceLifecycle
{
    /// <summary><c>auto_start</c>: false leaves the service stopped (default true).</summary>
    [ConfigurationKeyName("auto_start")]
    public bool? AutoStart { get; set; }

    /// <summary><c>start_timeout</c>: how long its start may take (default 10s).</summary>
    [ConfigurationKeyName("start_timeout")]
    public string? StartTimeout { get; set; }

    /// <summary><c>stop_timeout</c>: how long it has to end after a cancel before it is terminated (default 10s).</summary>
    [ConfigurationKeyName("stop_timeout")]
    public string? StopTimeout { get; set; }

    /// <summary><c>stable_threshold</c>: uptime after which the restart count starts again (default: <c>max_delay</c>).</summary>
    [ConfigurationKeyName("stable_threshold")]
    public string? StableThreshold { get; set; }

    /// <summary><c>requires</c>: services started before this one and stopped after it (configured services only).</summary>
    public List<string> Requires { get; set; } = [];

    /// <summary><c>restart</c>: the backoff before each restart after an error exit.</summary>
    public TypedProcessesServiceRestart Restart { get; set; } = new();
}

/// <summary>A service's <c>lifecycle.restart</c>; a setting left null takes the manifest's default.</summary>
public sealed class TypedProcessesServiceRestart
{
    /// <summary><c>initial_delay</c> (default 1s).</summary>
    [ConfigurationKeyName("initial_delay")]
    public string? InitialDelay { get; set; }

    /// <summary><c>max_delay</c> (default 90s).</summary>
    [ConfigurationKeyName("max_delay")]
    public string? MaxDelay { get; set; }

    /// <summary><c>backoff_factor</c>, at least 1 (default 2).</summary>
    [ConfigurationKeyName("backoff_factor")]
    public double? BackoffFactor { get; set; }

    /// <summary><c>jitter</c>, from 0 to 1 (default 0).</summary>
    public double? Jitter { get; set; }

    /// <summary><c>max_attempts</c>: restarts in a row before the service gives up; 0 (the default): no limit.</summary>
    [ConfigurationKeyName("max_attempts")]
    public int? MaxAttempts { get; set; }
}
