namespace Typed.Processes;

/// <summary>When a supervisor restarts a child that ended (Erlang/OTP's restart types).</summary>
public enum RestartType
{
    /// <summary>Always, whatever its exit (<c>permanent</c>).</summary>
    Permanent,

    /// <summary>Only after an error exit (a crash, or a termination by anyone but its supervisor); a normal exit is
    /// final and the child stays in the supervisor's list, stopped (<c>transient</c>).</summary>
    Transient,

    /// <summary>Never; the child leaves the supervisor's list when it ends (<c>temporary</c>).</summary>
    Temporary,
}
