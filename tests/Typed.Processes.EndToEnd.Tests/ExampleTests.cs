namespace Typed.Processes.EndToEnd;

/// <summary>
/// The README's main job, docs/examples/supervised-services, run as the README runs it (dotnet run --project): the
/// Lua ticker crashes, its supervisor restarts it with backoff, the journal logs each restart, the console exporter
/// prints the runtime's spans, and the app ends by itself. In the package tests' collection: both build the src
/// projects, which must not happen twice at once.
/// </summary>
[Collection(nameof(ExampleTests))]
public class ExampleTests
{
    [Fact]
    public async Task The_supervised_services_example_restarts_its_crashing_Lua_service_and_ends_by_itself()
    {
        var output = await PackageTests.Dotnet(PackageTests.RepoRoot(),
            "run --project docs/examples/supervised-services -- --restarts 2 --duration 240", TimeSpan.FromMinutes(6));
        Assert.Contains("service app:journal started", output);
        Assert.Contains("service app:ticker_service started", output);
        Assert.Contains("crashed: ", output);
        Assert.Contains("ticker lost its upstream", output);
        Assert.Contains("(restart 1 of 2)", output);
        Assert.Contains("(restart 2 of 2)", output);
        // The console exporter's spans: the ticker's error exits and its respawns.
        Assert.Contains("Activity.DisplayName:        process.exit", output);
        Assert.Contains("StatusCode: Error", output);
        Assert.Contains("Activity.DisplayName:        process.spawn", output);
        // Stopped in the reverse of the start order, then done by itself (not by the --duration guard).
        Assert.True(output.IndexOf("service app:ticker_service stopped", StringComparison.Ordinal)
            < output.IndexOf("service app:journal stopped", StringComparison.Ordinal), output);
        Assert.Contains("supervised-services: done (2 restart(s) of the ticker seen)", output);
    }
}
