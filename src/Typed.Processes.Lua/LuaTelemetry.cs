using System.Diagnostics.Metrics;
using Typed.Processes.Telemetry;

namespace Typed.Processes.Lua;

/// <summary>
/// The Lua processes' instruments, on a meter of the runtime's name (<see cref="TypedProcessesTelemetry.SourceName"/>):
/// a listener of that name (<c>AddTypedProcessesInstrumentation</c>, a <c>MeterListener</c>) sees them beside the
/// runtime's. Created with the first Lua process (<see cref="Ensure"/>).
/// </summary>
internal static class LuaTelemetry
{
    private static readonly Meter Meter = new(TypedProcessesTelemetry.SourceName);

    static LuaTelemetry()
    {
        Meter.CreateObservableGauge("typed_processes.lua.memory", ObserveMemory, "By",
            "Bytes allocated in the Lua states of a host: by its live Lua processes, and by its shared states themselves.");
    }

    /// <summary>Runs the static constructor (publishes the instruments) once.</summary>
    internal static void Ensure() { }

    private static List<Measurement<long>> ObserveMemory()
    {
        var result = new List<Measurement<long>>();
        foreach (var runtime in ProcessTelemetry.AliveRuntimes())
        {
            var perHost = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var host in runtime.Hosts.All) perHost[host.Reference] = LuaStatePool.OwnMemoryOf(host);
            foreach (var p in runtime.LiveProcesses())
                if (p is LuaProcess lua) perHost[p.Pid.Host] = perHost.GetValueOrDefault(p.Pid.Host) + lua.MemoryInUse;
            foreach (var (host, bytes) in perHost) result.Add(new Measurement<long>(bytes, new KeyValuePair<string, object?>("host", host)));
        }
        return result;
    }
}
