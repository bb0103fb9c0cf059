namespace Typed.Processes;

/// <summary>Settings of one spawn (the <c>Spawn</c>, <c>SpawnMonitored</c>, <c>SpawnLinked</c> and <c>Start</c> overloads that take them).</summary>
public sealed record SpawnOptions
{
    /// <summary>The process's mailbox limit (see <see cref="HostOptions.MailboxLimit"/>); 0 (the default) means its host's.</summary>
    public int MailboxLimit { get; init; }

    /// <summary>Supervisors: the definition to start instead of looking the entry up (a supervisor's own process).</summary>
    internal EntryDefinition? Definition { get; init; }

    /// <summary>Supervisors: a name registered for the process before it first runs (so its code and every sender
    /// see it from the start); a name held by another process fails the spawn.</summary>
    internal string? RegisterAs { get; init; }

    /// <summary>Supervisors: the process is a supervised child, stopped by its supervisor (in order) when the runtime
    /// shuts down rather than cancelled directly.</summary>
    internal bool Supervised { get; init; }

    /// <summary>Supervisors: completed when the child is started (see <see cref="ProcessCore.StartSignal"/>).</summary>
    internal TaskCompletionSource<string?>? StartSignal { get; init; }

    /// <summary>Supervisors: the child is started when it signals readiness, not when its main begins.</summary>
    internal bool AwaitsReady { get; init; }
}
