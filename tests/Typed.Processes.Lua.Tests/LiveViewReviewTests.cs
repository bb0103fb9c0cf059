using System.Text.Json;
using Spectre.Console.Testing;
using Typed.Processes.Cli;
using Typed.Processes.LiveView;
using Xunit;

namespace Typed.Processes.Lua.Tests;

/// <summary>Review of issue 12: the live view's JSON and tproc top's table with odd inputs.</summary>
public class LiveViewReviewTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    // Registered names come from process code: quotes, markup and a lone surrogate (C# strings are UTF-16) must not
    // break the snapshot every live-view client reads.
    [Fact]
    public async Task The_snapshot_JSON_takes_any_registered_name()
    {
        await using var runtime = new ProcessRuntime();
        runtime.Hosts.Add("app:h", workers: 1);
        const string odd = "bad\ud800\"name</script><b>'";
        var registered = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        runtime.Entries.Add("app:odd", async ctx =>
        {
            registered.TrySetResult(ctx.Register(odd).Ok);
            await ctx.Events().ReceiveAsync();
            return null;
        });
        Assert.True(runtime.Spawn("app:odd", "app:h").Ok);
        Assert.True(await registered.Task.WaitAsync(Guard));
        var json = LiveViewJson.Serialize(runtime.Inspect());
        using var doc = JsonDocument.Parse(json);
        var names = doc.RootElement.GetProperty("processes")[0].GetProperty("names");
        var name = Assert.Single(names.EnumerateArray()).GetString();
        Assert.StartsWith("bad", name);
        Assert.EndsWith("\"name</script><b>'", name);
        Assert.DoesNotContain("</script>", json); // escaped in the JSON text itself
    }

    // tproc top in a terminal narrower than its columns: the table still renders (no exception, no hang).
    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(12)]
    [InlineData(33)]
    public async Task The_top_table_renders_in_a_tiny_terminal(int width)
    {
        var view = new TopView { Sort = TopSort.Pid };
        var s = new RuntimeSnapshot(DateTimeOffset.UnixEpoch, [new HostSnapshot("app:processes", 2, 3, 1, 100)],
        [
            new ProcessSnapshot(new Pid("app:processes", "app:a_rather_long_entry_name", 1), ProcessState.Running)
            {
                MailboxLength = 7, MemoryBytes = 123456, CpuTime = TimeSpan.FromMilliseconds(3.5), RegisteredNames = ["a-long-registered-name"],
            },
            new ProcessSnapshot(new Pid("app:processes", "app:b", 22), ProcessState.Waiting),
        ]);
        var console = new TestConsole().Width(width);
        await Task.Run(() => console.Write(view.Render(s, view.Update(s), maxRows: 3))).WaitAsync(Guard);
        Assert.NotEmpty(console.Output);
    }
}
