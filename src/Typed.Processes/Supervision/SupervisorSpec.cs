namespace Typed.Processes;

/// <summary>
/// What a supervisor does (Erlang/OTP's supervisor flags and child specifications): its <see cref="Strategy"/>, its
/// restart intensity (more than <see cref="MaxRestarts"/> restarts within <see cref="Period"/> and it stops every
/// child in reverse order and ends with an error, so that its own supervisor sees a failure), an optional
/// <see cref="Backoff"/> before restarts, and its <see cref="Children"/>, started in this order.
/// </summary>
[Immutable]
public sealed record SupervisorSpec
{
    /// <summary>Which children restart when one must (default <see cref="RestartStrategy.OneForOne"/>).</summary>
    public RestartStrategy Strategy { get; init; } = RestartStrategy.OneForOne;

    /// <summary>The most restarts allowed within <see cref="Period"/> (OTP's intensity; default 1, as OTP). One more
    /// and the supervisor gives up. 0: any restart makes it give up.</summary>
    public int MaxRestarts { get; init; } = 1;

    /// <summary>The window of <see cref="MaxRestarts"/> (OTP's period; default 5 s, as OTP).</summary>
    public TimeSpan Period { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>A delay before restarts (null, the default: restart at once, as OTP).</summary>
    public RestartBackoff? Backoff { get; init; }

    /// <summary>The children, in start order (stopped in the reverse order).</summary>
    public IReadOnlyList<ChildSpec> Children { get; init; } = [];

    /// <summary>A name registered for the supervisor's process before it first runs (optional).</summary>
    public string? Name { get; init; }

    /// <summary>Null, or why this specification cannot be started.</summary>
    internal string? Check()
    {
        if (Strategy is < RestartStrategy.OneForOne or > RestartStrategy.RestForOne) return $"unknown restart strategy {Strategy}";
        if (MaxRestarts < 0) return "the max restarts must not be negative";
        if (Period <= TimeSpan.Zero) return "the period must be positive";
        if (Backoff?.Check() is { } backoff) return backoff;
        if (Name is not null && ProcessRegistry.CheckName(Name) is { } name) return name;
        if (Children is null) return "children is null";
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var child in Children)
        {
            if (child is null) return "a child specification is null";
            if (child.Check() is { } error) return error;
            if (!ids.Add(child.Id)) return $"duplicate child id '{child.Id}'";
        }
        return null;
    }
}
