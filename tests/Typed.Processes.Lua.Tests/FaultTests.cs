using Xunit;

namespace Typed.Processes.Lua.Tests;

/// <summary>
/// Processes that cannot be stopped (issue 8, items 7 and 8): a loop where the count hook cannot yield, and a looping
/// finalizer, must not keep a worker. Each test runs on a host of its own whose workers the loops would take.
/// </summary>
public class FaultTests : LuaTest
{
    // Loops the count hook cannot yield out of: it runs inside a C function that called back into Lua.
    private const string SortLoop = "table.sort({ 3, 2, 1 }, function(a, b) while true do end end)";
    private const string GsubLoop = "string.gsub('abc', '%w', function(c) while true do end end)";
    private const string TostringLoop = "print(setmetatable({}, { __tostring = function() while true do end end }))";
    private const string PcallLoop = "while true do pcall(table.sort, { 3, 2, 1 }, function() while true do end end) end";
    private const string XpcallLoop =
        "while true do xpcall(function() string.gsub('a', 'a', function() while true do end end) end, function() while true do end end) end";
    private const string CloseLoop =
        "while true do pcall(function() local c <close> = setmetatable({}, { __close = function() while true do end end }) " +
        "table.sort({ 2, 1 }, function() while true do end end) end) end";
    // A coroutine of the script is never preempted (see LuaProcess.CountHook); terminate must still stop it.
    private const string CoroutineLoop = "coroutine.wrap(function() while true do end end)()";
    private const string CoroutineInSortLoop = "table.sort({ 2, 1 }, function() return coroutine.wrap(function() while true do end end)() end)";

    /// <summary>Spawns a process that prints a line and then runs <paramref name="loop"/>; returns once it printed.</summary>
    private async Task<(Pid Pid, Task<ProcessEvent> Exit)> StartLooping(string host, string loop)
    {
        var tag = "looping " + Guid.NewGuid().ToString("N");
        var pid = Runtime.Spawn(Lua($$"""return { main = function() print("{{tag}}") {{loop}} end }"""), host).Value;
        var exit = Runtime.WaitForExitAsync(pid);
        await Log.WaitForLinesAsync(l => l.Contains(tag), 1).WaitAsync(Guard);
        return (pid, exit);
    }

    private async Task AssertHostStillRuns(string host)
    {
        var exit = await Runtime.RunAsync(Lua("return { main = function() return 'ran' end }"), host).WaitAsync(Guard);
        Assert.Equal("ran", exit.Result);
    }

    [Theory]
    [InlineData(SortLoop, GsubLoop)]
    [InlineData(TostringLoop, PcallLoop)]
    [InlineData(XpcallLoop, CloseLoop)]
    [InlineData(CoroutineLoop, CoroutineInSortLoop)]
    public async Task Terminate_gives_back_the_workers_of_loops_inside_non_yieldable_calls(string first, string second)
    {
        Runtime.Hosts.Add("app:two", 2);
        var a = await StartLooping("app:two", first);
        var b = await StartLooping("app:two", second);
        Runtime.Terminate(a.Pid).ThrowIfFailed();
        Runtime.Terminate(b.Pid).ThrowIfFailed();
        Assert.Equal("terminated", (await a.Exit.WaitAsync(Guard)).Error);
        Assert.Equal("terminated", (await b.Exit.WaitAsync(Guard)).Error);
        // Both workers of the host were in those loops: a third process runs only if both were given back.
        await AssertHostStillRuns("app:two");
    }

    [Fact]
    public async Task Preemption_never_yields_a_coroutine_of_the_script()
    {
        // Runs well past the 2 ms slice: a preemptive yield of the coroutine would make the call return early, empty.
        var exit = await Run(Lua("""
            return { main = function()
              local co = coroutine.wrap(function() local n = 0 for i = 1, 5000000 do n = n + 1 end return n end)
              return co()
            end }
            """));
        Assert.Equal(5000000L, exit.Result);
    }

    [Fact]
    public async Task Cancels_deadline_gives_back_the_worker_of_a_loop_inside_a_non_yieldable_call()
    {
        Runtime.Hosts.Add("app:two", 2);
        var a = await StartLooping("app:two", GsubLoop);
        var b = await StartLooping("app:two", SortLoop);
        Runtime.Cancel(a.Pid, TimeSpan.FromMilliseconds(20)).ThrowIfFailed();
        Runtime.Terminate(b.Pid).ThrowIfFailed();
        Assert.Contains("cancelled", (await a.Exit.WaitAsync(Guard)).Error);
        Assert.Equal("terminated", (await b.Exit.WaitAsync(Guard)).Error);
        await AssertHostStillRuns("app:two");
    }

    [Fact]
    public async Task An_entry_whose_top_level_loops_fails_its_spawn_instead_of_holding_the_spawner()
    {
        // The top level runs inside Spawn (synchronously, where no hook could yield), here on the spawner's worker.
        var loops = Lua("while true do pcall(table.sort, { 2, 1 }, function() while true do end end) end return {}");
        var spawner = await Run(Lua("return { main = function(e) local pid, err = process.spawn(e, 'app:processes') return err end }"), loops);
        Assert.Contains("its top level ran for more than 1 s", (string)spawner.Result!);
    }

    [Fact]
    public async Task A_memory_ceiling_too_small_for_a_state_fails_the_spawn_and_nothing_else()
    {
        // Below about 10 KB the state's first allocations (before any lua_pcall) once aborted the whole host. The state
        // (libraries, prelude) is not the process's since issue 13: 33,000 bytes are plenty for what a process allocates.
        foreach (var limit in new long[] { 1, 1000, 8000, 20_000 })
        {
            var r = Runtime.Spawn(Lua("return { main = function() return 1 end }", options: new LuaOptions { MemoryLimitBytes = limit }), Host);
            Assert.False(r.Ok);
            Assert.Matches("below the minimum of 32 KB", r.Error);
        }
        var small = await Runtime.RunAsync(Lua("return { main = function() return 1 end }", options: new LuaOptions { MemoryLimitBytes = 33_000 }), Host).WaitAsync(Guard);
        Assert.Equal(1L, small.Result);
        await AssertHostStillRuns(Host);
    }

    [Fact]
    public async Task A_looping_finalizer_does_not_run_when_the_process_collects()
    {
        Runtime.Hosts.Add("app:solo", 1);
        var exit = await Runtime.RunAsync(Lua("""
            local loop = { __gc = function() while true do end end }
            return { main = function()
              for i = 1, 100 do setmetatable({}, loop) end
              local late = setmetatable({}, {})
              getmetatable(late).__gc = loop.__gc -- set after setmetatable: Lua itself never marks that one
              late = nil
              collectgarbage()
              collectgarbage()
              return rawget(loop, "__gc") ~= nil -- the metatable keeps its field
            end }
            """), "app:solo").WaitAsync(Guard);
        Assert.Equal(true, exit.Result);
        await AssertHostStillRuns("app:solo");
    }

    [Fact]
    public async Task A_looping_finalizer_does_not_run_when_the_state_closes()
    {
        Runtime.Hosts.Add("app:solo", 1);
        // The objects are alive when main returns: lua_close would run their finalizers on the only worker.
        var exit = await Runtime.RunAsync(Lua("""
            return { main = function()
              kept = {}
              for i = 1, 10 do kept[i] = setmetatable({}, { __gc = function() while true do end end }) end
              return "ended"
            end }
            """), "app:solo").WaitAsync(Guard);
        Assert.Equal("ended", exit.Result);
        await AssertHostStillRuns("app:solo");
        // The same for a process that is terminated while it waits.
        var waiting = Runtime.Spawn(Lua("""
            return { main = function()
              kept = setmetatable({}, { __gc = function() while true do end end })
              print("armed")
              process.listen("never"):receive()
            end }
            """, "gcwait"), "app:solo").Value;
        var waitingExit = Runtime.WaitForExitAsync(waiting);
        await Log.WaitForLinesAsync(l => l.Contains("armed"), 1).WaitAsync(Guard);
        Runtime.Terminate(waiting).ThrowIfFailed();
        Assert.Equal("terminated", (await waitingExit.WaitAsync(Guard)).Error);
        await AssertHostStillRuns("app:solo");
    }
}

/// <summary>process.unlisten (issue 8, item 14).</summary>
public class UnlistenTests : LuaTest
{
    [Fact]
    public async Task After_unlisten_later_messages_of_the_topic_go_to_the_inbox()
    {
        var exit = await Run(Lua("""
            return { main = function()
              local me = process.pid()
              local ch = process.listen("t")
              process.send(me, "t", 1)
              process.send(me, "t", 2)
              local first = ch:receive()
              local ok = process.unlisten(ch)
              process.send(me, "t", 3)
              local kept = ch:receive() -- already in the listener's channel: it stays there
              local m = process.inbox():receive()
              local none = channel.select { ch:case_receive(), default = true }
              local again, err = process.unlisten(ch)
              local bad, err2 = process.unlisten({ __id = 1 })
              return table.concat({ first, tostring(ok), kept, m:topic(), m:payload(), tostring(none.default),
                tostring(again), err, tostring(bad), err2 }, "|")
            end }
            """));
        Assert.Null(exit.Error);
        Assert.Equal("1|true|2|t|3|true|nil|unlisten: topic 't' has no listener|nil|unlisten: not a channel returned by process.listen",
            exit.Result);
    }
}
