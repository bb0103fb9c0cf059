namespace Typed.Processes;

/// <summary>Settings of one spawn (the <c>Spawn</c>, <c>SpawnMonitored</c>, <c>SpawnLinked</c> and <c>Start</c> overloads that take them).</summary>
public sealed record SpawnOptions
{
    /// <summary>The process's mailbox limit (see <see cref="HostOptions.MailboxLimit"/>); 0 (the default) means its host's.</summary>
    public int MailboxLimit { get; init; }
}
