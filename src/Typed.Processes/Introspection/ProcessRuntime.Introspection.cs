using Typed.Processes.Channels;
using Typed.Processes.Hosting;

namespace Typed.Processes;

public sealed partial class ProcessRuntime
{
    /// <summary>
    /// A snapshot of the runtime for live views (<c>tproc top</c>, the live-view page): hosts with their queues and busy
    /// workers, and every live process with its state, mailbox, counters, relations and, for supervisors, children.
    /// Safe to call from any thread at any time, also after shutdown (then it lists no process). It costs a pass over the
    /// process table and each host's queue; the processes are not paused, so the snapshot is a close approximation.
    /// </summary>
    public RuntimeSnapshot Inspect()
    {
        var taken = Now;
        var running = new HashSet<ProcessCore>();
        var runnable = new HashSet<ProcessCore>();
        var hosts = new List<HostSnapshot>();
        foreach (var host in Hosts.All.OrderBy(static h => h.Reference, StringComparer.Ordinal))
        {
            var scheduler = host.Scheduler;
            var (now, queued) = scheduler.WorkItems();
            foreach (var item in now) if (OwnerOf(item) is { } p) running.Add(p);
            foreach (var item in queued) if (OwnerOf(item) is { } p) runnable.Add(p);
            hosts.Add(new HostSnapshot(host.Reference, host.Workers, queued.Count, scheduler.BusyWorkers, scheduler.ExecutedCount));
        }
        var processes = new List<ProcessSnapshot>(_processes.Count);
        foreach (var p in _processes.Values.OrderBy(static p => p.Pid.Id))
        {
            var state = !p.IsAlive || p.CancelRequested ? ProcessState.Exiting
                : running.Contains(p) ? ProcessState.Running
                : runnable.Contains(p) ? ProcessState.Runnable
                : ProcessState.Waiting;
            var (links, monitoring, names) = p.Relations();
            processes.Add(new ProcessSnapshot(p.Pid, state)
            {
                MailboxLength = Math.Max(0, Volatile.Read(ref p.Queued)),
                MessagesReceived = p.Received,
                Reductions = p.RunSlices,
                CpuTime = p.CpuTime,
                MemoryBytes = p.MemoryBytes,
                RegisteredNames = names,
                Parent = p.Parent,
                Links = links,
                Monitors = monitoring,
                Children = Volatile.Read(ref p.SupervisorChildren),
            });
        }
        return new RuntimeSnapshot(taken, hosts, processes);
    }

    /// <summary>The process a work item runs: the process itself (its start, a Lua slice) or the one an async waiter
    /// resumes; null for other items (C# continuations the runtime does not attribute).</summary>
    private static ProcessCore? OwnerOf(HostWorkItem item) => item switch
    {
        ProcessCore p => p,
        Waiter { Owner: ProcessCore p } => p,
        _ => null,
    };
}
