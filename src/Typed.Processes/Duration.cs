using System.Globalization;
using Typed.Processes.SourceModel;

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
        var parsed = DurationSyntax.TryParseTicks(text, out var ticks, out error);
        value = parsed ? TimeSpan.FromTicks(ticks) : default;
        return parsed;
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
