namespace Typed.Processes.Tests;

/// <summary>Issue 11: <c>ProcessContext.DeadlineToken</c>, the token an <c>[OnCancel]</c> handler gets.</summary>
public class DeadlineTokenTests : IAsyncLifetime
{
    private const string Host = "app:deadline-tokens";
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60); // a failure guard, never synchronisation
    private readonly ManualTime _time = new();
    private readonly ProcessRuntime _runtime;
    private readonly TaskCompletionSource<(CancellationToken Token, ProcessEvent Cancel)> _handed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public DeadlineTokenTests()
    {
        _runtime = new ProcessRuntime(new ProcessRuntimeOptions { TimeProvider = _time });
        _runtime.Hosts.Add(Host, workers: 2);
        // Hands the test the token of the first Cancel it gets, then waits until terminated.
        _runtime.Entries.Add("test:cancelled", async ctx =>
        {
            var cancel = await ctx.Events().ReceiveAsync();
            _handed.SetResult((ctx.DeadlineToken(cancel), cancel));
            await ctx.NewChannel<int>().ReceiveAsync();
            return null;
        });
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await _runtime.DisposeAsync();

    [Fact]
    public async Task The_token_of_a_cancel_with_a_deadline_fires_at_the_deadline_and_not_before()
    {
        var run = _runtime.Start("test:cancelled", Host).Value;
        _runtime.Cancel(run.Pid, TimeSpan.FromSeconds(10)).ThrowIfFailed();
        var (token, cancel) = await _handed.Task.WaitAsync(Guard);
        Assert.Equal(cancel.At + TimeSpan.FromSeconds(10), cancel.Deadline);
        var fired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        token.Register(fired.SetResult);
        _time.Advance(TimeSpan.FromSeconds(9));
        Assert.False(token.IsCancellationRequested);
        _time.Advance(TimeSpan.FromSeconds(1));
        await fired.Task.WaitAsync(Guard);
        var exit = await run.Exit.WaitAsync(Guard); // and the runtime terminated it, as without a handler
        Assert.StartsWith("cancelled: deadline", exit.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_token_of_a_long_deadline_is_armed_in_chunks()
    {
        var run = _runtime.Start("test:cancelled", Host).Value;
        _runtime.Cancel(run.Pid, TimeSpan.FromDays(60)).ThrowIfFailed(); // beyond a single timer's 49.7 days
        var (token, _) = await _handed.Task.WaitAsync(Guard);
        _time.Advance(TimeSpan.FromDays(59));
        Assert.False(token.IsCancellationRequested);
        _time.Advance(TimeSpan.FromDays(1) + TimeSpan.FromSeconds(1));
        Assert.True(token.IsCancellationRequested);
        await run.Exit.WaitAsync(Guard);
    }

    [Fact]
    public async Task Without_a_deadline_the_token_is_the_processes_termination_token()
    {
        var run = _runtime.Start("test:cancelled", Host).Value;
        _runtime.Cancel(run.Pid, "no deadline").ThrowIfFailed();
        var (token, cancel) = await _handed.Task.WaitAsync(Guard);
        Assert.Null(cancel.Deadline);
        _time.Advance(TimeSpan.FromDays(365));
        Assert.False(token.IsCancellationRequested);
        _runtime.Terminate(run.Pid).ThrowIfFailed();
        Assert.True(token.IsCancellationRequested);
    }

    [Fact]
    public async Task The_token_fires_when_the_process_ends_before_the_deadline()
    {
        var run = _runtime.Start("test:cancelled", Host).Value;
        _runtime.Cancel(run.Pid, TimeSpan.FromHours(1)).ThrowIfFailed();
        var (token, _) = await _handed.Task.WaitAsync(Guard);
        _runtime.Terminate(run.Pid).ThrowIfFailed();
        Assert.True(token.IsCancellationRequested);
        Assert.Equal(0, _time.ActiveTimers); // the deadline's timers (the token's and the runtime's) were released
    }
}
