namespace Typed.Processes;

/// <summary>The kinds of process events.</summary>
public enum ProcessEventKind
{
    /// <summary>A monitored process ended (<c>pid.exit</c>).</summary>
    Exit,
    /// <summary>A linked process ended with an error and this process traps links (<c>pid.link.down</c>).</summary>
    LinkDown,
    /// <summary>Someone asked this process to stop by a deadline (<c>pid.cancel</c>).</summary>
    Cancel,
}
