namespace Typed.Processes.Tests;

public class RegistryTests : RuntimeTest
{
    [Fact]
    public async Task Register_lookup_unregister()
    {
        var result = await RunOk(ctx =>
        {
            var log = new List<string>();
            var name = "svc_" + Guid.NewGuid().ToString("N");
            ctx.Register(name).ThrowIfFailed();
            log.Add((ctx.Lookup(name).Value == ctx.Self).ToString());
            log.Add(ctx.Unregister(name).ToString());
            log.Add(ctx.Lookup(name).Error!);
            log.Add(ctx.Unregister(name).ToString());
            return ValueTask.FromResult<object?>(string.Join("|", log));
        });
        Assert.Matches(@"^True\|True\|name not registered: 'svc_[0-9a-f]+'\|False$", (string)result!);
    }

    [Fact]
    public async Task Duplicate_name_is_refused_while_the_holder_lives_and_released_when_it_ends()
    {
        var holderReady = new TaskCompletionSource();
        var holder = Runtime.Spawn(Entry(async ctx =>
        {
            ctx.Register("the_service").ThrowIfFailed();
            holderReady.SetResult();
            return await ctx.Listen("stop").ReceiveAsync();
        }), Host).Value;
        await holderReady.Task.WaitAsync(Guard);

        var refused = await RunOk(ctx => ValueTask.FromResult<object?>(ctx.Register("the_service").Error));
        Assert.Equal($"name already registered: 'the_service' is held by {holder}", refused);

        // Send by name reaches the holder; when it ends, the name is free again.
        var exit = Runtime.WaitForExitAsync(holder);
        Runtime.Send("the_service", "stop", "bye").ThrowIfFailed();
        Assert.Equal("bye", (await exit.WaitAsync(Guard)).Result);
        Assert.False(Runtime.Registry.Lookup("the_service").Ok);
        Assert.Equal("ok", await RunOk(ctx => ValueTask.FromResult<object?>(ctx.Register("the_service").Ok ? "ok" : "taken")));
    }

    [Fact]
    public async Task Register_another_process_by_pid_and_use_the_name_for_monitor_link_terminate()
    {
        var waits = Entry(async ctx => await ctx.Listen("never").ReceiveAsync());
        var result = await RunOk(async ctx =>
        {
            var other = ctx.Spawn(waits, Host).Value;
            ctx.Register("worker_x", other).ThrowIfFailed();
            ctx.Monitor("worker_x").ThrowIfFailed();
            ctx.Terminate("worker_x").ThrowIfFailed();
            var e = await ctx.Events().ReceiveAsync();
            return $"{e.From == other}|{e.Error}|{ctx.Lookup("worker_x").Ok}";
        });
        Assert.Matches(@"^True\|terminated by \{app:processes\|test:e[0-9a-f]+\|\d+\}\|False$", (string)result!);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{looks-like-a-pid}")]
    public void Bad_names_are_refused(string name)
    {
        Assert.False(Runtime.Registry.Lookup(name).Ok);
        Assert.False(Runtime.Registry.Unregister(name));
    }
}
