// Shared by the runtime (Typed.Processes: a Lua process's supervisor calls), the manifest reader (generator, analyzers,
// Typed.Processes.Lua: process.supervisor entries): the one rule for how a supervisor's strategy, a child's restart
// type and its shutdown are written.
using System;

namespace Typed.Processes.SourceModel;

/// <summary>The words of OTP supervision as manifests and Lua tables write them.</summary>
internal static class SupervisionSyntax
{
    /// <summary>The strategies, in the order of the runtime's <c>RestartStrategy</c>.</summary>
    public static readonly string[] Strategies = ["one_for_one", "one_for_all", "rest_for_one"];

    /// <summary>The restart types, in the order of the runtime's <c>RestartType</c>.</summary>
    public static readonly string[] RestartTypes = ["permanent", "transient", "temporary"];

    /// <summary>What a shutdown may be, for messages.</summary>
    public const string ShutdownExpected = "brutal, infinity or a duration such as 5s";

    /// <summary>The strategy's index in <see cref="Strategies"/>, or -1.</summary>
    public static int Strategy(string? text) => text is null ? -1 : Array.IndexOf(Strategies, text);

    /// <summary>The restart type's index in <see cref="RestartTypes"/>, or -1.</summary>
    public static int Restart(string? text) => text is null ? -1 : Array.IndexOf(RestartTypes, text);

    /// <summary>
    /// A shutdown: <c>brutal</c> (0 ticks), <c>infinity</c> (<see cref="long.MaxValue"/>) or an unsigned duration in
    /// ticks (<c>0</c> is brutal too).
    /// </summary>
    public static bool TryParseShutdown(string? text, out long ticks)
    {
        ticks = -1;
        var s = text?.Trim();
        if (s is null || s.Length == 0) return false;
        if (s == "brutal") { ticks = 0; return true; }
        if (s == "infinity") { ticks = long.MaxValue; return true; }
        return s[0] is not ('-' or '+') && DurationSyntax.TryParseTicks(s, out ticks, out _);
    }
}
