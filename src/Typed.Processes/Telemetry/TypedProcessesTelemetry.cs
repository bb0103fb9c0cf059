namespace Typed.Processes;

/// <summary>
/// The names of the runtime's telemetry: one <see cref="System.Diagnostics.ActivitySource"/> and one
/// <see cref="System.Diagnostics.Metrics.Meter"/>, both named <see cref="SourceName"/>. Nothing is recorded unless a
/// listener (an OpenTelemetry provider, a <c>MeterListener</c>, an <c>ActivityListener</c>) subscribes to them.
/// See docs/observability.md for the spans and the instruments.
/// </summary>
public static class TypedProcessesTelemetry
{
    /// <summary>The name of the runtime's activity source and meter: <c>Typed.Processes</c>.</summary>
    public const string SourceName = "Typed.Processes";
}
