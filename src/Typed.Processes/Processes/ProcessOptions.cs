namespace Typed.Processes;

/// <summary>Per-process options.</summary>
public sealed record ProcessOptions
{
    /// <summary>If true, a linked process's failure arrives as a LinkDown event instead of terminating this process.</summary>
    public bool TrapLinks { get; init; }
}
