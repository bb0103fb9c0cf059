using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Typed.Processes.LiveView;

/// <summary>
/// The JSON form of a <see cref="RuntimeSnapshot"/> that the live-view endpoint serves (and <c>tproc top --json</c>
/// could print): snake_case names, PIDs in their text form, states in lower case. Written with a source-generated
/// serializer (no reflection; trimming- and AOT-safe). The shape is described in docs/live-view.md.
/// </summary>
public static class LiveViewJson
{
    /// <summary>The snapshot as UTF-8 JSON.</summary>
    public static byte[] SerializeToUtf8Bytes(RuntimeSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return JsonSerializer.SerializeToUtf8Bytes(ToDocument(snapshot), LiveViewJsonContext.Default.SnapshotDocument);
    }

    /// <summary>The snapshot as a JSON string.</summary>
    public static string Serialize(RuntimeSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return JsonSerializer.Serialize(ToDocument(snapshot), LiveViewJsonContext.Default.SnapshotDocument);
    }

    internal static SnapshotDocument ToDocument(RuntimeSnapshot s) => new(
        s.Taken.ToUnixTimeMilliseconds(),
        s.Hosts.Select(static h => new HostDocument(h.Reference, h.Workers, h.QueueLength, h.BusyWorkers, h.ExecutedWorkItems)).ToArray(),
        s.Processes.Select(static p => new ProcessDocument(
            p.Pid.ToString(), p.Pid.Id, p.Entry, p.Host, StateName(p.State), p.MailboxLength, p.MessagesReceived, p.Reductions,
            p.CpuTime is { } cpu ? Math.Round(cpu.TotalMilliseconds, 3) : null, p.MemoryBytes,
            p.RegisteredNames.ToArray(), p.Parent?.ToString(),
            p.Links.Select(static l => l.ToString()).ToArray(), p.Monitors.Select(static m => m.ToString()).ToArray(),
            p.Children?.Select(static c => new ChildDocument(c.Id, c.Pid?.ToString(), c.IsSupervisor,
                c.Restart.ToString().ToLower(CultureInfo.InvariantCulture), c.RestartPending)).ToArray())).ToArray());

    /// <summary>The state's name in the JSON and in <c>tproc top</c>: running, runnable, waiting, exiting.</summary>
    public static string StateName(ProcessState state) => state switch
    {
        ProcessState.Running => "running",
        ProcessState.Runnable => "runnable",
        ProcessState.Waiting => "waiting",
        ProcessState.Exiting => "exiting",
        _ => "unknown",
    };
}

internal sealed record SnapshotDocument(long TakenUnixMs, HostDocument[] Hosts, ProcessDocument[] Processes);

internal sealed record HostDocument(string Reference, int Workers, int QueueLength, int BusyWorkers, long ExecutedWorkItems);

internal sealed record ProcessDocument(
    string Pid, long Id, string Entry, string Host, string State, int MailboxLength, long MessagesReceived, long Reductions,
    double? CpuMs, long? MemoryBytes, string[] Names, string? Parent, string[] Links, string[] Monitors, ChildDocument[]? Children);

internal sealed record ChildDocument(string Id, string? Pid, bool IsSupervisor, string Restart, bool RestartPending);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(SnapshotDocument))]
internal sealed partial class LiveViewJsonContext : JsonSerializerContext;
