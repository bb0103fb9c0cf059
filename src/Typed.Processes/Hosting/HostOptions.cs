namespace Typed.Processes;

/// <summary>Settings of a host (<see cref="HostTable.Add(string, HostOptions)"/>).</summary>
public sealed record HostOptions
{
    /// <summary>
    /// The mailbox limit of processes that neither their host nor their spawn sets: 100,000 messages. Measured: a
    /// process that never receives, flooded with distinct 1 KB strings (512 chars), holds 152 MB resident (whole .NET
    /// process, 31 MB before) when senders start getting "mailbox full"; with 2 KB strings, 256 MB. Without a limit,
    /// 600,000 such messages took 714 MB and 1.3 GB.
    /// </summary>
    public const int DefaultMailboxLimit = 100_000;

    /// <summary>Worker threads (1 to 256); 0 (the default) means the number of cores.</summary>
    public int Workers { get; init; }

    /// <summary>
    /// How many messages may wait for each process of this host: queued on its inbox and topic channels, not yet
    /// received (events such as Exit, LinkDown and Cancel do not count and are never refused). Beyond it, a send
    /// fails with "mailbox full" and nothing already queued is dropped. 0 (the default) means
    /// <see cref="DefaultMailboxLimit"/>; <see cref="int.MaxValue"/> lifts the limit. A spawn may set its own
    /// (<see cref="SpawnOptions.MailboxLimit"/>).
    /// </summary>
    public int MailboxLimit { get; init; }
}
