using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Typed.Processes.Hosting;

/// <summary>
/// A fixed pool of worker threads sharing one FIFO queue. Processes are not threads: a C# process is an async
/// state machine whose continuations are posted here (through <see cref="HostSynchronizationContext"/>); a Lua
/// process is a coroutine resumed by work items. Idle workers spin briefly, then sleep on a semaphore.
/// Locality (like Go's runnext): an item scheduled by a worker while it runs an item goes to that worker's
/// one-item "next" slot and runs right after the current item, on the same core, without waking anyone (a
/// message hand-off between two processes stays on one worker). A newer item displaces the older one to the
/// shared queue; a worker takes its slot at most <see cref="MaxLocalRuns"/> times in a row before serving the
/// shared queue; an idle worker steals an item that has sat in another worker's slot for a while (that worker
/// is busy), and a sleeping worker is woken when a slot is filled, so nothing starves behind a long item.
/// Only C# resumptions use the slot (<see cref="HostWorkItem.PrefersLocal"/>); Lua processes keep the FIFO queue.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "Stop disposes the semaphore once no worker can reach it (see DisposeSignal); a Dispose could not know that.")]
internal sealed class HostScheduler
{
    private readonly ConcurrentQueue<HostWorkItem> _queue = new();
    private readonly SemaphoreSlim _signal = new(0);
    // Threads inside a release of _signal (WakeOne, Stop); -1 once it is disposed (see ReleaseSignal, DisposeSignal).
    private int _signalUsers;
    private readonly Thread[] _threads;
    private readonly ILogger _logger;
    private int _sleepers;
    private int _wakePending;
    private volatile bool _stopping;
    private readonly Worker[] _workers;
    [ThreadStatic] private static Worker? s_worker;

    private const int MaxLocalRuns = 32;
    private static readonly long StealAfterTicks = System.Diagnostics.Stopwatch.Frequency / 100_000; // 10 µs

    private sealed class Worker(HostScheduler scheduler)
    {
        public readonly HostScheduler Scheduler = scheduler;
        public HostWorkItem? Next;
        public int LocalRuns;
        public long Executed; // written by its worker only (a shared atomic counter bounced between cores)
        public HostWorkItem? Current; // the item it runs now, written by its worker only (read racily by introspection)
    }

    public HostScheduler(string name, int workers, ILogger logger)
    {
        Name = name;
        _logger = logger;
        Context = new HostSynchronizationContext(this);
        _threads = new Thread[workers];
        _workers = new Worker[workers];
        for (int i = 0; i < workers; i++) _workers[i] = new Worker(this);
        for (int i = 0; i < workers; i++)
        {
            var worker = _workers[i];
            _threads[i] = new Thread(() => WorkerLoop(worker)) { IsBackground = true, Name = $"{name} worker {i + 1}" };
            _threads[i].Start();
        }
    }

    public string Name { get; }

    public int Workers => _threads.Length;

    public HostSynchronizationContext Context { get; }

    public long ExecutedCount
    {
        get
        {
            long n = 0;
            foreach (var w in _workers) n += Volatile.Read(ref w.Executed);
            return n;
        }
    }

    /// <summary>Workers not asleep: running a work item or spinning for one (for the telemetry gauge).</summary>
    public int AwakeWorkers => Math.Max(0, _threads.Length - Volatile.Read(ref _sleepers));

    public int QueueLength
    {
        get
        {
            int n = _queue.Count;
            foreach (var w in _workers) if (Volatile.Read(ref w.Next) is not null) n++;
            return n;
        }
    }

    /// <summary>Workers running a work item now (introspection; a racy read).</summary>
    public int BusyWorkers
    {
        get
        {
            int n = 0;
            foreach (var w in _workers) if (Volatile.Read(ref w.Current) is not null) n++;
            return n;
        }
    }

    /// <summary>The items the workers run now and the items waiting for a worker (introspection: a moment's copy). The
    /// copy of the queue costs what ConcurrentQueue.ToArray costs (its current segments are not reused afterwards): fine
    /// for a live view polling every second or so, not for a hot path.</summary>
    internal (List<HostWorkItem> Running, List<HostWorkItem> Queued) WorkItems()
    {
        var running = new List<HostWorkItem>();
        var queued = new List<HostWorkItem>(_queue.ToArray());
        foreach (var w in _workers)
        {
            if (Volatile.Read(ref w.Current) is { } current) running.Add(current);
            if (Volatile.Read(ref w.Next) is { } next) queued.Add(next);
        }
        return (running, queued);
    }

    /// <summary>True when called from one of this host's workers.</summary>
    public bool IsCurrent => SynchronizationContext.Current == Context;

    public void Schedule(HostWorkItem item) => Schedule(item, yielding: false);

    /// <summary>Queues an item. <paramref name="yielding"/>: the item gives way to others (a preempted Lua slice),
    /// so it goes to the back of the shared queue, never to the calling worker's next slot.</summary>
    public void Schedule(HostWorkItem item, bool yielding)
    {
        if (!yielding && item.PrefersLocal && s_worker is { } w && w.Scheduler == this)
        {
            var displaced = Interlocked.Exchange(ref w.Next, item);
            if (displaced is null)
            {
                // Normally this worker runs it next; wake a sleeper only so that it can steal it if the current
                // item turns out to be long (it will find the slot empty otherwise and go back to sleep).
                WakeOne();
                return;
            }
            item = displaced;
        }
        _queue.Enqueue(item);
        WakeOne();
    }

    private void WakeOne()
    {
        if (Volatile.Read(ref _sleepers) > 0 && Interlocked.Exchange(ref _wakePending, 1) == 0) ReleaseSignal(1);
    }

    /// <summary>
    /// Releases <see cref="_signal"/> unless it has been disposed. Anyone may schedule at any time (a timer, a sender
    /// on another host, a late continuation), also while or after the host stops: the release and the disposal must
    /// not race. A release registers itself in <see cref="_signalUsers"/>; the disposal waits until none is inside.
    /// </summary>
    private void ReleaseSignal(int count)
    {
        int users;
        do
        {
            users = Volatile.Read(ref _signalUsers);
            if (users < 0) return; // disposed: every worker has exited, nobody waits
        } while (Interlocked.CompareExchange(ref _signalUsers, users + 1, users) != users);
        try
        {
            _signal.Release(count);
        }
        finally
        {
            Interlocked.Decrement(ref _signalUsers);
        }
    }

    /// <summary>Disposes <see cref="_signal"/> once no release is inside it; later releases do nothing.</summary>
    private void DisposeSignal()
    {
        var spin = new SpinWait();
        while (true)
        {
            var users = Interlocked.CompareExchange(ref _signalUsers, -1, 0);
            if (users == 0) break;
            if (users < 0) return; // another Stop disposed it
            spin.SpinOnce(); // a release takes microseconds
        }
        _signal.Dispose();
    }

    /// <summary>True once the host has stopped and released what it owns (<see cref="Stop"/>).</summary>
    internal bool IsDisposed => Volatile.Read(ref _signalUsers) < 0;

    private void WorkerLoop(Worker me)
    {
        s_worker = me;
        SynchronizationContext.SetSynchronizationContext(Context);
        while (true)
        {
            HostWorkItem? item = null;
            if (me.LocalRuns < MaxLocalRuns && (item = Interlocked.Exchange(ref me.Next, null)) is not null) me.LocalRuns++;
            else if (_queue.TryDequeue(out item))
            {
                me.LocalRuns = 0;
                // Chain wake-ups: if more work is waiting and someone sleeps, wake one more worker.
                if (!_queue.IsEmpty) WakeOne();
            }
            else if ((item = Interlocked.Exchange(ref me.Next, null)) is not null) me.LocalRuns = 0;
            if (item is not null)
            {
                me.Current = item;
                Run(item);
                me.Current = null;
                Volatile.Write(ref me.Executed, me.Executed + 1);
                continue;
            }
            if (_stopping) return;
            if (SpinForWork(me)) continue;
            Interlocked.Increment(ref _sleepers);
            // Not while another worker's slot holds an item: that worker may be busy for long, and the item was
            // put there before this worker counted itself as a sleeper (so nobody would wake it for the item).
            if (!_queue.IsEmpty || _stopping || AnyOtherSlotFilled(me))
            {
                Interlocked.Decrement(ref _sleepers);
                continue;
            }
            _signal.Wait();
            Volatile.Write(ref _wakePending, 0);
            Interlocked.Decrement(ref _sleepers);
        }
    }

    private bool AnyOtherSlotFilled(Worker me)
    {
        foreach (var w in _workers)
            if (w != me && Volatile.Read(ref w.Next) is not null) return true;
        return false;
    }

    // How long an idle worker polls the queue before sleeping: long enough that a message hand-off between
    // processes on two workers rarely needs a semaphore wake-up (a syscall on both sides), short enough to
    // give the core back quickly when the host is really idle.
    private static readonly long SpinTicks = System.Diagnostics.Stopwatch.Frequency / 20_000; // 50 µs

    private bool SpinForWork(Worker me)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp(), until = start + SpinTicks;
        HostWorkItem? seen = null;
        Worker? seenAt = null;
        long seenSince = 0;
        do
        {
            if (!_queue.IsEmpty) return true;
            // Steal an item that has waited in another (busy) worker's slot for StealAfterTicks.
            long now = System.Diagnostics.Stopwatch.GetTimestamp();
            if (seen is not null && Volatile.Read(ref seenAt!.Next) == seen)
            {
                if (now - seenSince >= StealAfterTicks && Interlocked.CompareExchange(ref seenAt.Next, null, seen) == seen)
                {
                    _queue.Enqueue(seen); // run it through the shared queue (this worker takes it next)
                    return true;
                }
            }
            else
            {
                seen = null;
                foreach (var w in _workers)
                    if (w != me && Volatile.Read(ref w.Next) is { } candidate) { (seen, seenAt, seenSince) = (candidate, w, now); break; }
            }
            Thread.SpinWait(20);
        } while (System.Diagnostics.Stopwatch.GetTimestamp() < until && !_stopping);
        return !_queue.IsEmpty;
    }

    private void Run(HostWorkItem item)
    {
        try
        {
            item.Execute();
        }
        catch (Exception ex)
        {
            // Process code never reaches here (processes catch their own failures); this guards the host itself.
            // The logger may throw too (or format an exception whose ToString throws): the worker must survive it.
            try
            {
                RuntimeLog.WorkItemFailed(_logger, ex, Name);
            }
            catch (Exception)
            {
            }
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(Context);
            Telemetry.ProcessTelemetry.ClearAmbient();
        }
    }

    /// <summary>
    /// Stops the workers once the queue is drained; returns the number of workers still busy after
    /// <paramref name="timeout"/>. Once every worker has exited, the semaphore they slept on is disposed; while one
    /// is still busy (stuck in process code, or the caller itself) it is kept, since that worker may yet reach it.
    /// </summary>
    public int Stop(TimeSpan timeout)
    {
        _stopping = true;
        ReleaseSignal(_threads.Length);
        var deadline = DateTime.UtcNow + timeout;
        int stuck = 0;
        bool allExited = true;
        foreach (var t in _threads)
        {
            if (t == Thread.CurrentThread)
            {
                allExited = false;
                continue;
            }
            var left = deadline - DateTime.UtcNow;
            if (!t.Join(left > TimeSpan.Zero ? left : TimeSpan.Zero)) stuck++;
        }
        if (allExited && stuck == 0) DisposeSignal();
        return stuck;
    }
}
