using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Typed.Processes.Hosting;

/// <summary>A unit of work run on a host's worker.</summary>
internal abstract class HostWorkItem
{
    public abstract void Execute();
}

/// <summary>
/// A fixed pool of worker threads sharing one FIFO queue. Processes are not threads: a C# process is an async
/// state machine whose continuations are posted here (through <see cref="HostSynchronizationContext"/>); a Lua
/// process is a coroutine resumed by work items. Idle workers spin briefly, then sleep on a semaphore.
/// </summary>
internal sealed class HostScheduler
{
    private readonly ConcurrentQueue<HostWorkItem> _queue = new();
    private readonly SemaphoreSlim _signal = new(0);
    private readonly Thread[] _threads;
    private readonly ILogger _logger;
    private int _sleepers;
    private int _wakePending;
    private volatile bool _stopping;
    private long _executed;

    public HostScheduler(string name, int workers, ILogger logger)
    {
        Name = name;
        _logger = logger;
        Context = new HostSynchronizationContext(this);
        _threads = new Thread[workers];
        for (int i = 0; i < workers; i++)
        {
            _threads[i] = new Thread(WorkerLoop) { IsBackground = true, Name = $"{name} worker {i + 1}" };
            _threads[i].Start();
        }
    }

    public string Name { get; }

    public int Workers => _threads.Length;

    public HostSynchronizationContext Context { get; }

    public long ExecutedCount => Interlocked.Read(ref _executed);

    public int QueueLength => _queue.Count;

    /// <summary>True when called from one of this host's workers.</summary>
    public bool IsCurrent => SynchronizationContext.Current == Context;

    public void Schedule(HostWorkItem item)
    {
        _queue.Enqueue(item);
        if (Volatile.Read(ref _sleepers) > 0 && Interlocked.Exchange(ref _wakePending, 1) == 0) _signal.Release();
    }

    private void WorkerLoop()
    {
        SynchronizationContext.SetSynchronizationContext(Context);
        while (true)
        {
            if (_queue.TryDequeue(out var item))
            {
                // Chain wake-ups: if more work is waiting and someone sleeps, wake one more worker.
                if (!_queue.IsEmpty && Volatile.Read(ref _sleepers) > 0 && Interlocked.Exchange(ref _wakePending, 1) == 0)
                    _signal.Release();
                Run(item);
                continue;
            }
            if (_stopping) return;
            if (SpinForWork()) continue;
            Interlocked.Increment(ref _sleepers);
            if (!_queue.IsEmpty || _stopping)
            {
                Interlocked.Decrement(ref _sleepers);
                continue;
            }
            _signal.Wait();
            Volatile.Write(ref _wakePending, 0);
            Interlocked.Decrement(ref _sleepers);
        }
    }

    private bool SpinForWork()
    {
        for (int i = 0; i < 30; i++)
        {
            if (!_queue.IsEmpty) return true;
            Thread.SpinWait(30);
        }
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
            _logger.LogError(ex, "Unhandled exception in a work item on host {Host}", Name);
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(Context);
            Interlocked.Increment(ref _executed);
        }
    }

    /// <summary>Stops the workers once the queue is drained; returns the number of workers still busy after <paramref name="timeout"/>.</summary>
    public int Stop(TimeSpan timeout)
    {
        _stopping = true;
        _signal.Release(_threads.Length);
        var deadline = DateTime.UtcNow + timeout;
        int stuck = 0;
        foreach (var t in _threads)
        {
            if (t == Thread.CurrentThread) continue;
            var left = deadline - DateTime.UtcNow;
            if (!t.Join(left > TimeSpan.Zero ? left : TimeSpan.Zero)) stuck++;
        }
        return stuck;
    }
}

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
        public override void Execute() => callback(state);
    }
}
