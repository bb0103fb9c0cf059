namespace Typed.Processes.Tests;

/// <summary>HostRef, and the helpers the generated Start/RunAsync stubs call: errors are results, never throws.</summary>
public class HostRefTests : RuntimeTest
{
    private static readonly HostRef Processes = new(Host);

    [Fact]
    public void A_HostRef_is_its_reference_and_converts_only_to_string()
    {
        string untyped = Processes;
        Assert.Equal(Host, untyped);
        Assert.Equal(Host, Processes.ToString());
        Assert.True(Processes == new HostRef("app:processes"));
        Assert.True(Processes != new HostRef("app:other"));
        Assert.Equal(Processes.GetHashCode(), new HostRef("app:processes").GetHashCode());
        Assert.False(Processes.IsDefault);
        Assert.True(default(HostRef).IsDefault);
        Assert.Null(default(HostRef).Reference);
        Assert.Equal("", default(HostRef).ToString());
        Assert.Null(typeof(HostRef).GetMethods().FirstOrDefault(m => m.Name == "op_Implicit" && m.ReturnType == typeof(HostRef)));
    }

    [Fact]
    public async Task A_default_or_bad_HostRef_is_an_error_result_not_a_throw()
    {
        var entry = Entry(_ => ValueTask.FromResult<object?>(1));
        Assert.Equal("host reference is null", Runtime.Spawn(entry, default(HostRef)).Error);
        Assert.Equal("host reference is null", GeneratedStubs.Start<object>(Runtime, entry, default, []).Error);
        Assert.Equal("host reference is null", (await GeneratedStubs.RunAsync<int>(Runtime, entry, default, [], default)).Error);
        Assert.StartsWith("malformed host reference 'nohost'", GeneratedStubs.Start<object>(Runtime, entry, new HostRef("nohost"), []).Error);
        Assert.Equal("host not found: 'app:nowhere'", (await GeneratedStubs.RunAsync<int>(Runtime, entry, new HostRef("app:nowhere"), [], default)).Error);
        Assert.StartsWith("unknown entry 'test:nobody'", (await GeneratedStubs.RunAsync<int>(Runtime, "test:nobody", Processes, [], default)).Error);
    }

    [Fact]
    public async Task Start_gives_a_typed_pid_and_the_exit()
    {
        var entry = Entry(ctx => ValueTask.FromResult<object?>(ctx.Arg<long>(0) * 2));
        var (pid, exit) = GeneratedStubs.Start<HostRefTests>(Runtime, entry, Processes, [21L]).Value;
        Assert.Equal(entry, ((Pid)pid).Entry);
        Assert.Equal(42L, (await exit.WaitAsync(Guard)).Result);
    }

    [Fact]
    public async Task RunAsync_gives_main_s_result_typed_or_the_process_s_error()
    {
        var doubles = Entry(ctx => ValueTask.FromResult<object?>(ctx.Arg<long>(0) * 2));
        Assert.Equal(42L, (await GeneratedStubs.RunAsync<long>(Runtime, doubles, Processes, [21L], default).WaitAsync(Guard)).Value);
        var wrongArgument = await GeneratedStubs.RunAsync<long>(Runtime, doubles, Processes, ["x"], default).WaitAsync(Guard);
        Assert.Contains("argument 0", wrongArgument.Error);
        var asText = await GeneratedStubs.RunAsync<string>(Runtime, doubles, Processes, [1L], default).WaitAsync(Guard);
        Assert.Equal("the process returned Int64, not String", asText.Error);
        var nothing = Entry(_ => ValueTask.FromResult<object?>(null));
        Assert.True((await GeneratedStubs.RunAsync<object?>(Runtime, nothing, Processes, [], default).WaitAsync(Guard)).Ok);
    }

    [Fact]
    public async Task RunAsync_s_token_terminates_the_process()
    {
        var started = new TaskCompletionSource();
        var waits = Entry(async ctx =>
        {
            started.SetResult();
            await ctx.Inbox().ReceiveAsync();
            return null;
        });
        using var cts = new CancellationTokenSource();
        var run = GeneratedStubs.RunAsync<object?>(Runtime, waits, Processes, [], cts.Token);
        await started.Task.WaitAsync(Guard);
        await cts.CancelAsync();
        var result = await run.WaitAsync(Guard);
        Assert.False(result.Ok);
        Assert.Contains("terminated", result.Error);
    }
}
