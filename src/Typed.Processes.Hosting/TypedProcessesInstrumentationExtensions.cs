using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Typed.Processes.Hosting;

/// <summary>
/// Subscribes OpenTelemetry to the runtime's <see cref="System.Diagnostics.ActivitySource"/> and
/// <see cref="System.Diagnostics.Metrics.Meter"/> (both named <see cref="TypedProcessesTelemetry.SourceName"/>).
/// The runtime itself does not depend on OpenTelemetry: any listener of those names sees the same data.
/// </summary>
public static class TypedProcessesInstrumentationExtensions
{
    /// <summary>Records the runtime's spans: spawn, call (client), receive (consumer, a child of the send: the trace
    /// context travels inside messages, across C# and Lua processes), supervisor restarts and error exits.</summary>
    public static TracerProviderBuilder AddTypedProcessesInstrumentation(this TracerProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddSource(TypedProcessesTelemetry.SourceName);
    }

    /// <summary>Records the runtime's instruments (<c>typed_processes.*</c>: spawns, exits, messages sent and received,
    /// receive latency, dead letters, restarts, live processes and mailbox lengths per host and entry, run-queue lengths
    /// and busy workers per host) and the Lua package's (Lua memory per host), which uses a meter of the same name.</summary>
    public static MeterProviderBuilder AddTypedProcessesInstrumentation(this MeterProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddMeter(TypedProcessesTelemetry.SourceName);
    }
}
