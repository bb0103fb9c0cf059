// Shared by the runtime (Typed.Processes: Duration, and through it Lua and the CLI), the manifest reader (generator,
// analyzers, Typed.Processes.Lua) and the analyzers: the one rule for how a Go-style duration reads.
using System;
using System.Globalization;

namespace Typed.Processes.SourceModel;

/// <summary>Go-style durations: <c>300ms</c>, <c>1.5h</c>, <c>2h45m</c>, <c>1m30s</c>; units ns, us (µs), ms, s, m, h.</summary>
internal static class DurationSyntax
{
    /// <summary>Parses a Go-style duration (a sign, then one or more number+unit pairs) into ticks (100 ns).</summary>
    public static bool TryParseTicks(string? text, out long ticks, out string? error)
    {
        ticks = 0;
        error = null;
        if (text is null || text.Trim().Length == 0) { error = "empty duration"; return false; }
        var s = text.Trim();
        bool negative = false;
        if (s[0] is '-' or '+') { negative = s[0] == '-'; s = s.Substring(1); }
        if (s == "0") return true;
        if (s.Length == 0) { error = $"invalid duration '{text}'"; return false; }
        double totalTicks = 0;
        int i = 0;
        while (i < s.Length)
        {
            int start = i;
            while (i < s.Length && (s[i] is >= '0' and <= '9' || s[i] == '.')) i++;
#pragma warning disable CA1846 // the generator targets netstandard2.0, which has no span overload of double.TryParse
            if (i == start || !double.TryParse(s.Substring(start, i - start), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                error = $"invalid duration '{text}': expected a number";
                return false;
            }
            start = i;
            while (i < s.Length && !(s[i] is >= '0' and <= '9' || s[i] == '.')) i++;
            var unit = s.Substring(start, i - start);
#pragma warning restore CA1846
            double ticksPerUnit = unit switch
            {
                "ns" => 0.01,
                "us" or "\u00b5s" or "\u03bcs" => 10,
                "ms" => TimeSpan.TicksPerMillisecond,
                "s" => TimeSpan.TicksPerSecond,
                "m" => TimeSpan.TicksPerMinute,
                "h" => TimeSpan.TicksPerHour,
                _ => -1,
            };
            if (ticksPerUnit < 0)
            {
                error = unit.Length == 0
                    ? $"invalid duration '{text}': missing unit (use ns, us, ms, s, m or h)"
                    : $"invalid duration '{text}': unknown unit '{unit}' (use ns, us, ms, s, m or h)";
                return false;
            }
            totalTicks += number * ticksPerUnit;
        }
        // >=: long.MaxValue as a double rounds up to 2^63, which no longer converts to a long.
        if (!(totalTicks < TimeSpan.MaxValue.Ticks)) { error = $"invalid duration '{text}': too long (the longest is {TimeSpan.MaxValue.TotalHours:0}h)"; return false; }
        ticks = (long)Math.Round(negative ? -totalTicks : totalTicks);
        return true;
    }
}
