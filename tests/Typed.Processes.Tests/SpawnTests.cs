namespace Typed.Processes.Tests;

public class SpawnTests : RuntimeTest
{
    [Fact]
    public async Task Spawned_process_gets_its_arguments_and_its_result_is_the_exit_result()
    {
        var result = await RunOk(ctx => ValueTask.FromResult<object?>($"{ctx.Arg<string>(0)}:{ctx.Arg<int>(1)}"), "hello", 42);
        Assert.Equal("hello:42", result);
    }

    [Fact]
    public async Task RunAsync_takes_its_arguments_positionally_and_its_cancellation_token_last()
    {
        var add = Entry(ctx => ValueTask.FromResult<object?>(ctx.Arg<long>(0) + ctx.Arg<long>(1)));
        Assert.Equal(5L, (await Runtime.RunAsync(add, Host, 2L, 3L).WaitAsync(Guard)).Result);
        Assert.Equal(7L, (await Runtime.RunAsync(add, Host, [3L, 4L], CancellationToken.None).WaitAsync(Guard)).Result);

        // the token ends the run (the process is terminated), with no argument and with some
        var waits = Entry(async ctx => await ctx.Listen("never").ReceiveAsync());
        using (var cts = new CancellationTokenSource())
        {
            var run = Runtime.RunAsync(waits, Host, cts.Token);
            await cts.CancelAsync();
            Assert.StartsWith("terminated", (await run.WaitAsync(Guard)).Error);
        }
        using (var cts = new CancellationTokenSource())
        {
            var run = Runtime.RunAsync(waits, Host, ["x"], cts.Token);
            await cts.CancelAsync();
            Assert.StartsWith("terminated", (await run.WaitAsync(Guard)).Error);
        }

        // the old order (token first, then arguments) now reads the token as an argument: refused, with the fix
        var old = await Assert.ThrowsAsync<ProcessException>(() => Runtime.RunAsync(add, Host, CancellationToken.None, 2L));
        Assert.Contains("pass it last", old.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Self_is_the_pid_returned_by_spawn()
    {
        var seen = new TaskCompletionSource<Pid>();
        var entry = Entry(ctx => { seen.SetResult(ctx.Self); return ValueTask.FromResult<object?>(null); });
        var pid = Runtime.Spawn(entry, Host).Value;
        Assert.Equal(pid, await seen.Task.WaitAsync(Guard));
        Assert.Equal(Host, pid.Host);
        Assert.Equal(entry, pid.Entry);
    }

    [Theory]
    [InlineData("test:nope", Host, "unknown entry 'test:nope': register it first, with runtime.AddGeneratedEntries()")]
    [InlineData("nocolon", Host, "malformed entry reference 'nocolon'")]
    [InlineData("a:b:c", Host, "malformed entry reference")]
    [InlineData("test:known", "app:nohost", "host not found: 'app:nohost'")]
    [InlineData("test:known", "bad host", "malformed host reference")]
    public void Bad_references_give_an_error_and_start_nothing(string entry, string host, string expected)
    {
        bool ran = false;
        Runtime.Entries.Add("test:known", _ => { ran = true; return ValueTask.FromResult<object?>(null); });
        var before = Runtime.SpawnedCount;
        var r = Runtime.Spawn(entry, host);
        Assert.False(r.Ok);
        Assert.Contains(expected, r.Error);
        Assert.Equal(before, Runtime.SpawnedCount);
        Assert.Equal(0, Runtime.ProcessCount);
        Assert.False(ran);
    }

    [Fact]
    public void Mutable_argument_is_refused_with_the_type_named()
    {
        var entry = Entry(_ => ValueTask.FromResult<object?>(null));
        var r = Runtime.Spawn(entry, Host, 1, new List<int> { 1 });
        Assert.False(r.Ok);
        Assert.Contains("argument 2", r.Error);
        Assert.Contains("System.Collections.Generic.List", r.Error);
        Assert.Equal(0, Runtime.SpawnedCount);
    }

    [Fact]
    public async Task Spawn_from_inside_a_process_with_bad_entry_returns_error_and_the_caller_carries_on()
    {
        var result = await RunOk(ctx =>
        {
            var r = ctx.Spawn("test:missing", Host);
            return ValueTask.FromResult<object?>(r.Ok ? "spawned?!" : r.Error);
        });
        // A C# caller is told how entries get registered (the generated AddGeneratedEntries among them).
        Assert.Equal("unknown entry 'test:missing': register it first, with runtime.AddGeneratedEntries() for [ProcessEntry] " +
            "classes (an extension method in the project's root namespace), runtime.AddLuaApplication(folder) for manifest " +
            "entries, or runtime.Entries.Add(reference, main)", result);
    }

    [Fact]
    public async Task Pids_are_never_reused_and_parse_back()
    {
        var entry = Entry(_ => ValueTask.FromResult<object?>(null));
        var pids = new HashSet<long>();
        for (int i = 0; i < 1000; i++)
        {
            var pid = Runtime.Spawn(entry, Host).Value;
            Assert.True(pids.Add(pid.Id));
            var text = pid.ToString();
            Assert.Matches(@"^\{app:processes\|test:e[0-9a-f]{8}\|\d+\}$", text);
            Assert.Equal(pid, Pid.Parse(text));
            await Runtime.WaitForExitAsync(pid).WaitAsync(Guard);
        }
        Assert.False(Pid.TryParse("{app:processes|test:x|0}", out _));
        Assert.False(Pid.TryParse("{app:processes|test:x}", out _));
        Assert.False(Pid.TryParse("app:processes|test:x|5", out _));
        Assert.False(Pid.TryParse("{bad|test:x|5}", out _));
    }

    [Fact]
    public async Task Exception_in_one_process_ends_only_that_process()
    {
        var crash = await Run(_ => throw new InvalidOperationException("boom"));
        Assert.Equal("InvalidOperationException: boom", crash.Error);
        Assert.IsType<InvalidOperationException>(crash.Exception);

        var asyncCrash = await Run(async ctx => { await ctx.Sleep(TimeSpan.FromMilliseconds(1)); throw new ArgumentException("late"); });
        Assert.Equal("ArgumentException: late", asyncCrash.Error);

        // The host still runs processes.
        Assert.Equal(7, await RunOk(_ => ValueTask.FromResult<object?>(7)));
    }

    [Fact]
    public async Task ProcessFailure_result_is_an_error_exit_and_mutable_result_is_refused()
    {
        var failed = await Run(_ => ValueTask.FromResult<object?>(new ProcessFailure("nope")));
        Assert.Equal("nope", failed.Error);
        var mutable = await Run(_ => ValueTask.FromResult<object?>(new List<int>()));
        Assert.StartsWith("invalid result:", mutable.Error);
    }
}
