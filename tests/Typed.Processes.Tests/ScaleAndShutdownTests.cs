using System.Diagnostics;

namespace Typed.Processes.Tests;

public class ScaleAndShutdownTests : RuntimeTest
{
    [Fact]
    public async Task A_two_worker_host_holds_100000_waiting_processes_without_a_thread_each()
    {
        const int count = 100_000;
        int threadsBefore = Process.GetCurrentProcess().Threads.Count;
        var entry = Entry(async ctx => await ctx.Listen<int>("go").ReceiveAsync() + 1);
        var pids = new Pid[count];
        var sw = Stopwatch.StartNew();
        long heapBefore = GC.GetTotalMemory(true);
        for (int i = 0; i < count; i++) pids[i] = Runtime.Spawn(entry, Host).Value;
        // Every process is alive and parked in receive.
        Assert.Equal(count, Runtime.ProcessCount);
        var waits = pids.Select(p => Runtime.WaitForExitAsync(p)).ToArray();
        long heapAfter = GC.GetTotalMemory(true);
        var spawnTime = sw.Elapsed;
        int threadsDuring = Process.GetCurrentProcess().Threads.Count;
        Assert.True(threadsDuring - threadsBefore < 50, $"threads grew from {threadsBefore} to {threadsDuring}");

        for (int i = 0; i < count; i++) Runtime.Send(pids[i], "go", i).ThrowIfFailed();
        var exits = await Task.WhenAll(waits).WaitAsync(TimeSpan.FromMinutes(2));
        Assert.All(exits, e => Assert.Null(e.Error));
        Assert.Equal(count * (long)(count + 1) / 2, exits.Sum(e => (long)(int)e.Result!));
        Assert.Equal(0, Runtime.ProcessCount);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"spawned {count} in {spawnTime.TotalMilliseconds:0} ms; ~{(heapAfter - heapBefore) / count} bytes/process incl. exit observers");
    }

    [Fact]
    public async Task Shutdown_ends_every_process_and_reports_what_was_running()
    {
        // Processes that ignore the Cancel are terminated once the grace has passed; a process that ends on the
        // Cancel ends the shutdown's wait early. Two runtimes, one grace each: a single short grace also had to be
        // long enough for the polite process to run, which a loaded machine did not always give it.
        var ignoring = NewRuntime();
        var waiting = Enumerable.Range(0, 10).Select(_ => ignoring.Spawn("test:waits", Host).Value).ToList();
        var exits = waiting.Select(p => ignoring.WaitForExitAsync(p)).ToArray();
        var report = await ignoring.ShutdownAsync(TimeSpan.FromMilliseconds(200)).WaitAsync(Guard);
        Assert.Equal(10, report.Running.Count);
        Assert.True(report.Clean);
        Assert.All(await Task.WhenAll(exits).WaitAsync(Guard), e => Assert.NotNull(e.Error));
        Assert.Equal(0, ignoring.ProcessCount);
        Assert.Equal("the runtime is shutting down", ignoring.Spawn("test:waits", Host).Error);

        var listening = NewRuntime();
        var polite = listening.Spawn("test:polite", Host).Value;
        var politeExit = listening.WaitForExitAsync(polite);
        // The grace outlasts the guard: the shutdown returns within it only because the polite process ended.
        report = await listening.ShutdownAsync(TimeSpan.FromHours(1)).WaitAsync(Guard);
        Assert.Equal([polite], report.Running);
        Assert.Equal("Cancel", (await politeExit.WaitAsync(Guard)).Result); // it ended on the Cancel event
        Assert.Equal(0, listening.ProcessCount);

        static ProcessRuntime NewRuntime()
        {
            var runtime = new ProcessRuntime();
            runtime.Hosts.Add(Host, 2);
            runtime.Entries.Add("test:waits", async ctx => await ctx.Listen("never").ReceiveAsync());
            runtime.Entries.Add("test:polite", async ctx =>
            {
                var e = await ctx.Events().ReceiveAsync();
                return e.Kind.ToString();
            });
            return runtime;
        }
    }

    [Fact]
    public async Task A_process_stuck_in_cpu_code_is_reported_at_shutdown_and_does_not_block_it()
    {
        var runtime = new ProcessRuntime();
        var host = runtime.Hosts.Add("app:busy", 1);
        var started = new TaskCompletionSource();
        using var release = new ManualResetEventSlim();
        runtime.Entries.Add("test:spin", _ =>
        {
            started.SetResult();
            release.Wait(TimeSpan.FromSeconds(30)); // blocks its worker: C# code cannot be preempted
            return ValueTask.FromResult<object?>(null);
        });
        runtime.Spawn("test:spin", "app:busy").ThrowIfFailed();
        await started.Task.WaitAsync(Guard);
        var report = await runtime.ShutdownAsync().WaitAsync(Guard);
        release.Set();
        Assert.Single(report.Running);
        Assert.Equal(1, report.StuckWorkers["app:busy"]);
        Assert.False(host.Scheduler.IsDisposed); // the stuck worker may still reach the semaphore: it is kept
    }

    private sealed class NoOp : Hosting.HostWorkItem
    {
        public override void Execute() { }
    }

    [Fact]
    public async Task A_stopped_host_disposes_its_semaphore_and_ignores_later_wake_ups()
    {
        var runtime = new ProcessRuntime();
        var host = runtime.Hosts.Add("app:stops", 2);
        runtime.Entries.Add("test:quick", _ => ValueTask.FromResult<object?>(1));
        Assert.True((await runtime.RunAsync("test:quick", "app:stops").WaitAsync(Guard)).Result is 1);
        // Others schedule while the host stops (a timer or another host can do so at any time): none of them may
        // hit the disposed semaphore. A bounded number each, so that the workers can drain the queue and exit.
        const int perScheduler = 20_000;
        int started = 0;
        var schedulers = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            Interlocked.Increment(ref started);
            for (int i = 0; i < perScheduler; i++) host.Scheduler.Schedule(new NoOp());
            return perScheduler;
        })).ToArray();
        while (Volatile.Read(ref started) < schedulers.Length) await Task.Yield();
        var report = await runtime.ShutdownAsync().WaitAsync(Guard);
        var scheduled = await Task.WhenAll(schedulers).WaitAsync(Guard);
        Assert.Equal(2 * perScheduler, scheduled.Sum());
        Assert.True(report.Clean, "a worker did not stop");
        Assert.True(host.Scheduler.IsDisposed);
        for (int i = 0; i < 1000; i++) host.Scheduler.Schedule(new NoOp()); // ignored: nobody runs them any more
    }
}
