using Typed.Processes.Lua;

namespace Typed.Processes.EndToEnd;

/// <summary>
/// One runtime per test with the generated entries (and, when asked, the e2e Lua application) added, disposed after
/// the test; <see cref="Run"/> runs a body as a process and returns its result.
/// </summary>
public abstract class RuntimeTestBase : IAsyncLifetime
{
    /// <summary>The test host (from the e2e Lua application's manifest, generated as a typed reference).</summary>
    protected static readonly HostRef Host = ProcessReferences.Hosts.AppE2e;

    /// <summary>A failure guard, never synchronisation: generous for loaded 2-core machines.</summary>
    protected static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    /// <summary>The runtime of this test.</summary>
    protected ProcessRuntime Runtime { get; } = new();

    /// <param name="withLuaApp">Whether to load the Lua application in <c>apps/e2e</c> too.</param>
    protected RuntimeTestBase(bool withLuaApp)
    {
        Runtime.AddGeneratedEntries();
        if (withLuaApp)
            Runtime.AddLuaApplication(Path.Combine(AppContext.BaseDirectory, "apps", "e2e"));
    }

    /// <inheritdoc />
    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await Runtime.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    /// <summary>Runs <paramref name="body"/> as a process and returns its result (failing on an error exit).</summary>
    protected async Task<object?> Run(ProcessMain body)
    {
        var entry = "test:p" + Guid.NewGuid().ToString("N")[..8];
        Runtime.Entries.Add(entry, body);
        var exit = await Runtime.RunAsync(entry, Host).WaitAsync(Guard);
        Assert.True(exit.Error is null, exit.Error);
        return exit.Result;
    }
}
