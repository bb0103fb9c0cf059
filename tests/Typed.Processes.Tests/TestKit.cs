namespace Typed.Processes.Tests;

/// <summary>A runtime with one 2-worker host, torn down after each test.</summary>
public abstract class RuntimeTest : IAsyncLifetime
{
    protected const string Host = "app:processes";
    protected static readonly TimeSpan Guard = TimeSpan.FromSeconds(60); // a failure guard, never synchronisation: generous for loaded 2-core machines

    protected ProcessRuntime Runtime { get; } = new();

    protected RuntimeTest() => Runtime.Hosts.Add(Host, workers: 2);

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await Runtime.DisposeAsync();

    /// <summary>Registers an entry under a unique reference and returns the reference.</summary>
    protected string Entry(ProcessMain main, string? name = null)
    {
        var reference = "test:" + (name ?? "e" + Guid.NewGuid().ToString("N")[..8]);
        Runtime.Entries.Add(reference, main);
        return reference;
    }

    /// <summary>Spawns from outside and waits for the Exit event (failure guard only, not synchronisation).</summary>
    protected Task<ProcessEvent> Run(ProcessMain main, params object?[] args) =>
        Runtime.RunAsync(Entry(main), Host, args).WaitAsync(Guard);

    /// <summary>Runs main and asserts a normal exit; returns the result.</summary>
    protected async Task<object?> RunOk(ProcessMain main, params object?[] args)
    {
        var exit = await Run(main, args);
        Assert.True(exit.Error is null, "process failed: " + exit.Error);
        return exit.Result;
    }
}
