namespace Typed.Processes;

/// <summary>
/// How a supervisor stops a child (Erlang/OTP's <c>shutdown</c>): <see cref="Brutal"/> terminates it at once;
/// <see cref="After"/> sends it a Cancel event with that deadline (the runtime terminates it if it has not ended by
/// then); <see cref="Infinity"/> sends a Cancel without a deadline and waits as long as it takes (the default for a
/// child that is itself a supervisor). Worker children default to <c>After(5 s)</c>, as OTP's 5000 ms.
/// </summary>
public readonly record struct ChildShutdown
{
    private ChildShutdown(TimeSpan? timeout, bool brutal)
    {
        Timeout = timeout;
        IsBrutal = brutal;
    }

    /// <summary>The deadline given with the Cancel event; null for <see cref="Brutal"/> and <see cref="Infinity"/>.</summary>
    public TimeSpan? Timeout { get; }

    /// <summary>True for <see cref="Brutal"/>.</summary>
    public bool IsBrutal { get; }

    /// <summary>True for <see cref="Infinity"/> (no deadline).</summary>
    public bool IsInfinity => !IsBrutal && Timeout is null;

    /// <summary>Terminate at once (OTP's <c>brutal_kill</c>).</summary>
    public static ChildShutdown Brutal { get; } = new(null, true);

    /// <summary>Cancel without a deadline and wait for the child to end (OTP's <c>infinity</c>).</summary>
    public static ChildShutdown Infinity { get; } = new(null, false);

    /// <summary>Cancel with <paramref name="timeout"/> as the deadline, then terminate (zero or less: <see cref="Brutal"/>).</summary>
    public static ChildShutdown After(TimeSpan timeout) => timeout <= TimeSpan.Zero ? Brutal : new(timeout, false);

    /// <inheritdoc />
    public override string ToString() => IsBrutal ? "brutal" : Timeout is { } t ? $"{t.TotalMilliseconds:0}ms" : "infinity";
}
