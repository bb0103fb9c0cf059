namespace Typed.Processes.Hosting;

/// <summary>Posts continuations of C# process code back onto the host's workers.</summary>
internal sealed class HostSynchronizationContext(HostScheduler scheduler) : SynchronizationContext
{
    public HostScheduler Scheduler { get; } = scheduler;

    public override void Post(SendOrPostCallback d, object? state) => Scheduler.Schedule(new PostedCallback(d, state));

    public override void Send(SendOrPostCallback d, object? state) =>
        throw new NotSupportedException("Synchronous Send onto a process host would block a worker; use Post.");

    public override SynchronizationContext CreateCopy() => this;

    private sealed class PostedCallback(SendOrPostCallback callback, object? state) : HostWorkItem
    {
        internal override bool PrefersLocal => true;

        public override void Execute() => callback(state);
    }
}
