using Typed.Processes.Hosting;

namespace Typed.Processes;

/// <summary>A named scheduler with a fixed number of workers on which processes run.</summary>
public sealed class ProcessHost
{
    internal ProcessHost(string reference, int workers, int mailboxLimit, HostScheduler scheduler)
    {
        Reference = reference;
        Workers = workers;
        MailboxLimit = mailboxLimit;
        Scheduler = scheduler;
    }

    /// <summary>The mailbox limit of its processes (unless their spawn sets one); see <see cref="HostOptions.MailboxLimit"/>.</summary>
    public int MailboxLimit { get; }

    /// <summary>The host reference, e.g. <c>app:processes</c>.</summary>
    public string Reference { get; }

    /// <summary>Number of worker threads.</summary>
    public int Workers { get; }

    internal HostScheduler Scheduler { get; }

    /// <summary>Raised once the runtime has stopped the host's workers (bindings release what they keep per host).</summary>
    internal event Action? Stopped;

    internal void OnStopped()
    {
        try { Stopped?.Invoke(); }
        catch (Exception) { } // a binding's cleanup must not fail the shutdown
    }

    /// <summary>
    /// Work items waiting for a worker now (diagnostics): process starts and resumptions queued on the host. Stays
    /// above zero while every worker is busy; with <see cref="ExecutedWorkItems"/> not moving, the host is starved.
    /// </summary>
    public int QueueLength => Scheduler.QueueLength;

    /// <summary>Work items run so far (diagnostics).</summary>
    public long ExecutedWorkItems => Scheduler.ExecutedCount;
}
