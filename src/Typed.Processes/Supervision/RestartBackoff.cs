namespace Typed.Processes;

/// <summary>
/// A delay before each restart of a child that keeps failing: the n-th consecutive restart waits
/// <c>min(MaxDelay, InitialDelay * Factor^(n-1))</c>, moved at random by up to <c>± Jitter</c> of itself. The count
/// starts again once the child has run for <see cref="StableAfter"/>. Measured on the runtime's
/// <see cref="ProcessRuntime.Time"/>. The supervisor keeps working while it waits (other children, calls, stop).
/// </summary>
public sealed record RestartBackoff
{
    /// <summary>The delay before the first restart (default 1 s).</summary>
    public TimeSpan InitialDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest delay (default 90 s; at most 4294967294 ms, about 49 days, what a timer takes).</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>The growth of the delay per consecutive restart (default 2).</summary>
    public double Factor { get; init; } = 2.0;

    /// <summary>The random part, a fraction of the delay in [0, 1] (default 0: none).</summary>
    public double Jitter { get; init; }

    /// <summary>Uptime after which a child counts as stable: its next failure waits <see cref="InitialDelay"/> again
    /// (null, the default: <see cref="MaxDelay"/>).</summary>
    public TimeSpan? StableAfter { get; init; }

    /// <summary>Restarts in a row (the count that <see cref="StableAfter"/> resets) after which a failed child is not
    /// restarted again but stays stopped in the supervisor's list (Wippy's <c>max_attempts</c>); 0, the default: no limit.</summary>
    public int MaxAttempts { get; init; }

    /// <summary>Null, or why these settings cannot be used.</summary>
    internal string? Check() =>
        InitialDelay < TimeSpan.Zero ? "backoff: the initial delay must not be negative"
        : MaxDelay < InitialDelay ? "backoff: the max delay must not be less than the initial delay"
        : MaxDelay > ChildSpec.MaxStartTimeout ? $"backoff: the max delay must be at most {ChildSpec.MaxStartTimeout.TotalMilliseconds:0}ms (about 49 days, what a timer takes), got {MaxDelay.TotalMilliseconds:0}ms"
        : !(Factor >= 1.0) || double.IsInfinity(Factor) ? "backoff: the factor must be a finite number of at least 1"
        : !(Jitter is >= 0.0 and <= 1.0) ? "backoff: the jitter must be between 0 and 1"
        : StableAfter < TimeSpan.Zero ? "backoff: the stable time must not be negative"
        : MaxAttempts < 0 ? "backoff: the max attempts must not be negative"
        : null;

    /// <summary>The delay before restart number <paramref name="attempt"/> (1 for the first).</summary>
    internal TimeSpan DelayFor(int attempt, Random random)
    {
        double ms = InitialDelay.TotalMilliseconds * Math.Pow(Factor, Math.Max(0, attempt - 1));
        ms = Math.Min(ms, MaxDelay.TotalMilliseconds);
        if (Jitter > 0) ms *= 1.0 + Jitter * (2.0 * random.NextDouble() - 1.0);
        return TimeSpan.FromMilliseconds(Math.Max(0, ms));
    }
}
