namespace Typed.Processes.Tests;

/// <summary>One resolution of a target (PID, PID text, registered name) serves every operation.</summary>
public class TargetResolutionTests : RuntimeTest
{
    [Fact]
    public async Task Resolution_errors_keep_their_texts_and_an_ended_process_resolves_to_its_pid_only()
    {
        Assert.Equal("target is null", Runtime.Resolve((Pid?)null).Error);
        Assert.Equal("target must be a PID or a registered name", Runtime.Resolve("").Error);
        Assert.Equal("malformed PID '{nope}'", Runtime.Resolve("{nope}").Error);
        Assert.Equal("could not resolve 'nobody' as PID or registered name", Runtime.Resolve("nobody").Error);
        var unused = new Pid("app:processes", "test:never", long.MaxValue);
        Assert.Equal($"process not found: {unused} is unknown to this runtime", Runtime.Resolve(unused).Error);

        var ended = Runtime.Spawn(Entry(_ => ValueTask.FromResult<object?>(null)), Host).Value;
        await Runtime.WaitForExitAsync(ended).WaitAsync(Guard);
        var target = Runtime.Resolve(ended.ToString()).Value;
        Assert.Equal((null, ended), (target.Process, target.Pid));
        Assert.Equal($"process not found: {ended} is not alive", Runtime.Send(ended, "t", null).Error);
        Assert.Equal($"process not found: {ended} is not alive", Runtime.Terminate(ended.ToString()).Error);
        Assert.Equal($"process not found: {ended} is not alive", Runtime.Cancel(ended).Error);
    }

    [Fact]
    public async Task Unmonitor_by_name_resolves_a_holder_that_is_ending_and_no_exit_follows()
    {
        var waits = Entry(async ctx => await ctx.Listen("stop").ReceiveAsync());
        var holder = Runtime.Spawn(waits, Host).Value;
        Runtime.Registry.Register("holder", holder).ThrowIfFailed();
        var watcher = Runtime.Spawn(waits, Host).Value;
        var holderCore = Runtime.Find(holder)!;
        var watcherCore = Runtime.Find(watcher)!;
        var gate = new HoldingObserver();
        Assert.True(holderCore.AddMonitor(gate)); // told before the watcher
        ProcessRuntime.MonitorCore(watcherCore, Runtime.Resolve(holder)).ThrowIfFailed();

        var terminating = Task.Run(() => Runtime.Terminate(holder));
        await gate.Entered.Task.WaitAsync(Guard);
        try
        {
            // The holder is dead, but its exit is still telling its monitors: its name is not yet released.
            Assert.False(Runtime.IsAlive(holder));
            Assert.Equal("could not resolve 'holder' as PID or registered name", Runtime.Resolve("holder").Error);
            var target = Runtime.Resolve("holder", evenIfEnding: true);
            Assert.True(target.Ok, target.Error);
            Assert.Equal(holder, target.Value.Pid);
            var unmonitoring = Task.Run(() => ProcessRuntime.UnmonitorCore(watcherCore, target));
            gate.Release();
            Assert.True((await unmonitoring.WaitAsync(Guard)).Ok);
        }
        finally
        {
            gate.Release();
        }
        Assert.True((await terminating.WaitAsync(Guard)).Ok);
        Assert.Equal(0, watcherCore.Events.Count); // the watcher's Exit of the holder was purged (or never queued)
        Assert.Equal("could not resolve 'holder' as PID or registered name", Runtime.Resolve("holder", evenIfEnding: true).Error);
    }

    /// <summary>Holds the exit of the process it observes (under that process's gate) until released.</summary>
    private sealed class HoldingObserver : IExitObserver
    {
        private readonly ManualResetEventSlim _release = new();

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void OnExit(ProcessCore process, ExitInfo exit)
        {
            Entered.TrySetResult();
            _release.Wait();
        }

        public void Release() => _release.Set();
    }
}
