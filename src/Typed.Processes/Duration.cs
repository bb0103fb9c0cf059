using System.Globalization;

namespace Typed.Processes;

/// <summary>Go-style durations: <c>300ms</c>, <c>1.5h</c>, <c>2h45m</c>, <c>1m30s</c>; units ns, us (µs), ms, s, m, h.</summary>
public static class Duration
{
    /// <summary>Parses a Go-style duration; throws <see cref="FormatException"/> with a clear message.</summary>
    public static TimeSpan Parse(string text) =>
        TryParse(text, out var value, out var error) ? value : throw new FormatException(error);

    /// <summary>Parses a Go-style duration (a sign, then one or more number+unit pairs).</summary>
    public static bool TryParse(string? text, out TimeSpan value, out string? error)
    {
        value = default;
        error = null;
        if (string.IsNullOrWhiteSpace(text)) { error = "empty duration"; return false; }
        var s = text.AsSpan().Trim();
        bool negative = false;
        if (s[0] is '-' or '+') { negative = s[0] == '-'; s = s[1..]; }
        if (s.SequenceEqual("0")) { return true; }
        if (s.IsEmpty) { error = $"invalid duration '{text}'"; return false; }
        double totalTicks = 0;
        while (!s.IsEmpty)
        {
            int i = 0;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.')) i++;
            if (i == 0 || !double.TryParse(s[..i], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                error = $"invalid duration '{text}': expected a number";
                return false;
            }
            s = s[i..];
            int j = 0;
            while (j < s.Length && !char.IsAsciiDigit(s[j]) && s[j] != '.') j++;
            var unit = s[..j];
            s = s[j..];
            double ticksPerUnit = unit switch
            {
                "ns" => 0.01,
                "us" or "µs" or "μs" => 10,
                "ms" => TimeSpan.TicksPerMillisecond,
                "s" => TimeSpan.TicksPerSecond,
                "m" => TimeSpan.TicksPerMinute,
                "h" => TimeSpan.TicksPerHour,
                _ => -1,
            };
            if (ticksPerUnit < 0)
            {
                error = unit.IsEmpty
                    ? $"invalid duration '{text}': missing unit (use ns, us, ms, s, m or h)"
                    : $"invalid duration '{text}': unknown unit '{unit.ToString()}' (use ns, us, ms, s, m or h)";
                return false;
            }
            totalTicks += number * ticksPerUnit;
        }
        // >=: long.MaxValue as a double rounds up to 2^63, which no longer converts to a long.
        if (!(totalTicks < TimeSpan.MaxValue.Ticks)) { error = $"invalid duration '{text}': too long (the longest is {TimeSpan.MaxValue.TotalHours:0}h)"; return false; }
        value = TimeSpan.FromTicks((long)Math.Round(negative ? -totalTicks : totalTicks));
        return true;
    }

    /// <summary>
    /// A number of milliseconds (as Lua passes durations) as a <see cref="TimeSpan"/>, without the exceptions of
    /// <see cref="TimeSpan.FromMilliseconds(double)"/>: NaN, infinities and values beyond <see cref="TimeSpan.MaxValue"/>
    /// are an error; negative values are returned as they are (the caller decides what they mean).
    /// </summary>
    public static bool TryFromMilliseconds(double milliseconds, out TimeSpan value, out string? error)
    {
        value = default;
        error = null;
        if (double.IsNaN(milliseconds)) { error = "duration must be a number of milliseconds, not NaN"; return false; }
        var ticks = milliseconds * TimeSpan.TicksPerMillisecond;
        if (!(Math.Abs(ticks) < TimeSpan.MaxValue.Ticks))
        {
            error = $"duration of {milliseconds.ToString("R", CultureInfo.InvariantCulture)}ms is too long (the longest is {TimeSpan.MaxValue.TotalMilliseconds:0}ms)";
            return false;
        }
        value = TimeSpan.FromTicks((long)Math.Round(ticks));
        return true;
    }
}
