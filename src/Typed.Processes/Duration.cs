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
        if (totalTicks > TimeSpan.MaxValue.Ticks) { error = $"invalid duration '{text}': too long"; return false; }
        value = TimeSpan.FromTicks((long)Math.Round(negative ? -totalTicks : totalTicks));
        return true;
    }
}
