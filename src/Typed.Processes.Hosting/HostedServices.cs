using System.Globalization;
using System.Text;
using System.Text.Json;
using Typed.Processes.Lua;

namespace Typed.Processes.Hosting;

/// <summary>
/// The supervised services of the runtime <see cref="TypedProcessesServiceCollectionExtensions.AddTypedProcesses"/>
/// added: the Lua applications' (their <c>process.service</c> entries) and the configured ones
/// (<see cref="TypedProcessesOptions.Services"/>), in start order, and the ones the hosted service started.
/// </summary>
internal sealed class HostedServices
{
    private readonly List<RunningServices> _running = [];

    /// <summary>Applications whose auto_start services start with the host, in start order (configured services first).</summary>
    public List<LuaApplication> Applications { get; } = [];

    /// <summary>The configured services (<see cref="TypedProcessesOptions.Services"/>) as an application; null when none is configured.</summary>
    public LuaApplication? Configured { get; set; }

    /// <summary>What the hosted service started, in start order.</summary>
    public IReadOnlyList<RunningServices> Running { get { lock (_running) return [.. _running]; } }

    public void Started(RunningServices services) { lock (_running) _running.Add(services); }

    public const string Section = TypedProcessesOptions.SectionName + ":Services";

    /// <summary>
    /// Reads the configured services as what they are, manifest entries of kind <c>process.service</c>: one manifest per
    /// namespace, read by <see cref="LuaApplication.LoadText"/> (no files), so that the manifest reader's rules (fields, Go durations,
    /// defaults, <c>requires</c> order and cycles) are the only ones. Null when none is configured; every problem is a
    /// <see cref="ProcessException"/> naming the configuration section.
    /// </summary>
    public static LuaApplication? LoadConfigured(TypedProcessesOptions options)
    {
        if (options.Services.Count == 0 || options.Services.All(ns => ns.Value.Count == 0)) return null;
        var manifests = options.Services
            .Where(ns => ns.Value.Count > 0)
            .OrderBy(ns => ns.Key, StringComparer.Ordinal)
            .Select(ns => KeyValuePair.Create(Section, Manifest(ns.Key, ns.Value)))
            .ToList();
        var app = LuaApplication.LoadText(manifests);
        if (app.Errors.Count > 0)
            throw new ProcessException(string.Join(Environment.NewLine, app.Errors.Select(Located)));
        return app;
    }

    /// <summary>A problem of a configured service, named by the section: the generated manifest's line (which the user
    /// never sees) dropped.</summary>
    public static string Located(string problem)
    {
        if (!problem.StartsWith(Section, StringComparison.Ordinal)) return problem;
        var rest = problem[Section.Length..];
        int i = 0;
        if (rest.StartsWith(':') && rest.Length > 1 && char.IsAsciiDigit(rest[1]))
        {
            i = 1;
            while (i < rest.Length && char.IsAsciiDigit(rest[i])) i++;
        }
        return Section + rest[i..];
    }

    /// <summary>A manifest of one namespace's configured services.</summary>
    internal static string Manifest(string ns, Dictionary<string, TypedProcessesServiceOptions> services)
    {
        var y = new StringBuilder();
        y.Append("version: \"1.0\"\nnamespace: ").Append(Scalar(ns)).Append("\nentries:\n");
        foreach (var (name, s) in services.OrderBy(n => n.Key, StringComparer.Ordinal))
        {
            y.Append("  - name: ").Append(Scalar(name)).Append("\n    kind: process.service\n");
            if (s.Process is not null) y.Append("    process: ").Append(Scalar(s.Process)).Append('\n');
            if (s.Host is not null) y.Append("    host: ").Append(Scalar(s.Host)).Append('\n');
            if (s.Input is { Count: > 0 } input) y.Append("    input: [").AppendJoin(", ", input.Select(Scalar)).Append("]\n");
            var life = s.Lifecycle ?? new TypedProcessesServiceLifecycle();
            var restart = life.Restart ?? new TypedProcessesServiceRestart();
            y.Append("    lifecycle:\n");
            Field(y, 6, "auto_start", life.AutoStart is { } auto ? (auto ? "true" : "false") : null);
            Field(y, 6, "start_timeout", life.StartTimeout);
            Field(y, 6, "stop_timeout", life.StopTimeout);
            Field(y, 6, "stable_threshold", life.StableThreshold);
            if (life.Requires is { Count: > 0 } requires) y.Append("      requires: [").AppendJoin(", ", requires.Select(Scalar)).Append("]\n");
            y.Append("      restart:\n");
            Field(y, 8, "initial_delay", restart.InitialDelay);
            Field(y, 8, "max_delay", restart.MaxDelay);
            Field(y, 8, "backoff_factor", restart.BackoffFactor?.ToString("R", CultureInfo.InvariantCulture));
            Field(y, 8, "jitter", restart.Jitter?.ToString("R", CultureInfo.InvariantCulture));
            Field(y, 8, "max_attempts", restart.MaxAttempts?.ToString(CultureInfo.InvariantCulture));
        }
        return y.ToString();
    }

    private static void Field(StringBuilder y, int indent, string key, string? value)
    {
        if (value is null) return;
        y.Append(' ', indent).Append(key).Append(": ").Append(Scalar(value)).Append('\n');
    }

    /// <summary>
    /// A value as the manifest would hold it: plain (so that the reader gives it a manifest's type: <c>42</c> a number,
    /// <c>true</c> a boolean) when plain YAML reads it back unchanged, otherwise double-quoted (JSON's escapes are YAML's).
    /// </summary>
    private static string Scalar(string value)
    {
        bool plain = value.Length > 0 && value.Trim() == value && char.IsAsciiLetterOrDigit(value[0]) || value.Length > 1 && value[0] is '-' or '+' or '.' && char.IsAsciiLetterOrDigit(value[1]);
        if (plain)
            foreach (var c in value)
                if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or ':' or '-' or '+' or '/')) { plain = false; break; }
        return plain ? value : JsonSerializer.Serialize(value, HostingJson.Default.String);
    }
}

/// <summary>The JSON (double-quoted YAML) encoding of a string, without reflection.</summary>
[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class HostingJson : System.Text.Json.Serialization.JsonSerializerContext;
