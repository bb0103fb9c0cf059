using System.Collections.Immutable;
using Xunit;

namespace Typed.Processes.Lua.Tests;

/// <summary>A payload type a Lua process cannot take, whose ToString is hostile.</summary>
[Immutable]
public sealed record ReviewOpaque(int X)
{
    /// <inheritdoc />
    public override string ToString() => throw new InvalidOperationException("ToString must not be called");
}

/// <summary>Attacks from the review of issue 8 (each failed or crashed the host before its fix).</summary>
public class ReviewAttackTests : LuaTest
{
    [Fact]
    public async Task An_entry_whose_top_level_spawns_itself_fails_its_spawn_instead_of_overflowing_the_stack()
    {
        var entry = Lua("""
            local pid, err = process.spawn("test:selfspawn", "app:processes")
            if pid == nil then error(err, 0) end
            return { main = function() return 1 end }
            """, "selfspawn");
        var r = Runtime.Spawn(entry, Host);
        Assert.False(r.Ok);
        await AssertHostRuns();
    }

    [Fact]
    public async Task A_wait_queued_from_a_coroutine_in_the_top_level_is_an_error_and_main_still_runs()
    {
        // Before: the select's WAIT only yielded the top level's coroutine, the wait stayed pending, and the
        // process's first slice parked on it: main never ran.
        var entry = Lua("""
            local ok, err = pcall(coroutine.wrap(function() return process.inbox():receive() end))
            return { main = function() return tostring(ok) .. ": " .. tostring(err) end }
            """);
        var exit = await Run(entry);
        Assert.StartsWith("false: ", (string)exit.Result!);
        Assert.Contains("cannot wait in an entry's top level", (string)exit.Result!);
    }

    [Fact]
    public async Task Messages_left_in_a_channel_after_unlisten_no_longer_fill_the_mailbox()
    {
        var tag = "unlistened " + Guid.NewGuid().ToString("N");
        var entry = Lua($$"""
            return { main = function()
              local ch = process.listen("t")
              process.events():receive()
              assert(process.unlisten(ch))
              print("{{tag}}")
              return process.inbox():receive():payload()
            end }
            """);
        var pid = Runtime.Spawn(new SpawnOptions { MailboxLimit = 2 }, entry, Host).Value;
        var exit = Runtime.WaitForExitAsync(pid);
        Assert.True(Runtime.Send(pid, "t", "a").Ok);
        Assert.True(Runtime.Send(pid, "t", "b").Ok);
        Assert.True(Runtime.Cancel(pid, TimeSpan.FromMinutes(1)).Ok);
        await Log.WaitForLinesAsync(l => l.Contains(tag), 1).WaitAsync(Guard);
        // The two messages stay in the dropped listener channel; the process is receiving its inbox. Before the fix
        // they still counted: "mailbox full" for every later send, for ever.
        var sent = Runtime.Send(pid, "other", "x");
        Assert.True(sent.Ok, sent.Error);
        Assert.Equal("x", (await exit.WaitAsync(Guard)).Result);
    }

    [Fact]
    public async Task A_Lua_monitor_gets_the_exit_of_a_CSharp_child_whose_result_Lua_cannot_take()
    {
        // Before: the monitor's receive raised "prelude:134: attempt to index a nil value" (the opaque result's
        // ToString threw inside the push) or "cannot receive: table nested deeper than 100 levels", and the EXIT was lost.
        Runtime.Entries.Add("test:opaque", _ => ValueTask.FromResult<object?>(new ReviewOpaque(1)));
        Runtime.Entries.Add("test:deep", _ =>
        {
            var t = PayloadTable.FromItems(1);
            for (int i = 0; i < 150; i++) t = PayloadTable.FromItems(t);
            return ValueTask.FromResult<object?>(t);
        });
        var monitor = Lua("""
            return { main = function(child)
              local events = process.events()
              local pid = process.spawn_monitored(child, "app:processes")
              local e = events:receive()
              return e.kind .. "|" .. tostring(e.from == pid) .. "|" .. tostring(e.result) .. "|" .. tostring(e.error) .. "|" .. e.result_error
            end }
            """);
        var opaque = (string)(await Run(monitor, "test:opaque")).Result!;
        Assert.StartsWith("pid.exit|true|nil|nil|its result cannot be received in Lua: a Lua process cannot receive a payload of type", opaque);
        Assert.Contains(nameof(ReviewOpaque), opaque);
        var deep = (string)(await Run(monitor, "test:deep")).Result!;
        Assert.Equal("pid.exit|true|nil|nil|its result cannot be received in Lua: table nested deeper than 100 levels", deep);
    }

    [Fact]
    public async Task A_default_ImmutableArray_is_an_empty_table_to_Lua()
    {
        // Before: Send threw InvalidOperationException (enumerating a default ImmutableArray), and as a spawn
        // argument the spawn failed after the child's Lua state was made (and leaked).
        var entry = Lua("""
            return { main = function(a) local m = process.inbox():receive() return type(a) .. #a .. type(m:payload()) .. #m:payload() end }
            """);
        var pid = Runtime.Spawn(entry, Host, default(ImmutableArray<int>));
        Assert.True(pid.Ok, pid.Error);
        var exit = Runtime.WaitForExitAsync(pid.Value);
        var sent = Runtime.Send(pid.Value, "t", default(ImmutableArray<string>));
        Assert.True(sent.Ok, sent.Error);
        Assert.Equal("table0table0", (await exit.WaitAsync(Guard)).Result);
    }

    [Fact]
    public async Task A_wait_in_a_coroutine_of_the_script_is_an_error_and_loses_no_message()
    {
        // Before: the WAIT only yielded the script's coroutine (co() returned the marker), the wait stayed queued and
        // took the next message, which was lost; main's own receive then waited for ever.
        var entry = Lua("""
            return { main = function(probe)
              local inbox = process.inbox()
              local ok, err = pcall(coroutine.wrap(function() return inbox:receive() end))
              process.send(probe, "ready", tostring(ok) .. ": " .. tostring(err))
              return inbox:receive():payload()
            end }
            """);
        var ready = System.Threading.Channels.Channel.CreateUnbounded<string>();
        Runtime.Entries.Add("test:probe-ready", async ctx =>
        {
            var ch = ctx.Listen<string>("ready");
            while (true) await ready.Writer.WriteAsync(await ch.ReceiveAsync());
        });
        var probe = Runtime.Spawn("test:probe-ready", Host).Value;
        var pid = Runtime.Spawn(entry, Host, probe).Value;
        var exit = Runtime.WaitForExitAsync(pid);
        var first = await ready.Reader.ReadAsync().AsTask().WaitAsync(Guard);
        Assert.StartsWith("false: ", first);
        Assert.Contains("cannot wait in a coroutine the script created", first);
        Assert.True(Runtime.Send(pid, "m", "one").Ok);
        Assert.Equal("one", (await exit.WaitAsync(Guard)).Result);
    }

    [Fact]
    public async Task Terminate_stops_a_loop_of_C_functions_only_that_pcall_keeps_going()
    {
        // table.sort with pcall as its comparator, over table.concat and a big table: every comparison concatenates
        // 200,000 strings and fails at the last element (so pcall returns false: a consistent order), all in C. No
        // instruction runs, so neither the count hook nor the killer ever fired: about 300,000 comparisons of ~3 ms,
        // the worker was lost for minutes after terminate. Now the sandbox's pcall is Lua code that stops.
        Runtime.Hosts.Add("app:one", 1);
        var tag = "sorting " + Guid.NewGuid().ToString("N");
        var entry = Lua($$"""
            return { main = function()
              local big = {}
              for i = 1, 200000 do big[i] = "x" end
              big[#big + 1] = {}
              local t = {}
              for i = 1, 20000 do t[i] = (i % 2 == 0) and big or table.concat end
              print("{{tag}}")
              table.sort(t, pcall)
              return "sorted"
            end }
            """);
        var pid = Runtime.Spawn(entry, "app:one").Value;
        var exit = Runtime.WaitForExitAsync(pid);
        await Log.WaitForLinesAsync(l => l.Contains(tag), 1).WaitAsync(Guard);
        Assert.True(Runtime.Terminate(pid).Ok);
        Assert.Equal("terminated", (await exit.WaitAsync(Guard)).Error);
        var next = await Runtime.RunAsync(Lua("""
            return { main = function()
              local a, b = pcall(error, "e")
              local c, d = xpcall(function(x) return x end, error, 7)
              return tostring(a) .. b .. tostring(c) .. d .. select("#", pcall(function() end))
            end }
            """), "app:one").WaitAsync(Guard);
        Assert.Equal("falseetrue71", next.Result);
    }

    [Fact]
    public async Task Values_buffered_in_the_processs_own_channels_count_against_its_ceiling()
    {
        // Before: they were held in C# outside the ceiling; with a 64 MB ceiling, 1,500 sends of a 1 MB string into
        // channel.new(1e9) took the host to 3 GB resident in 2 s (this test: 100 sends of 100 KB with a 1 MB ceiling
        // all succeeded).
        var options = new LuaOptions { MemoryLimitBytes = 1 << 20 };
        var flood = Lua("""
            return { main = function()
              local ch, s = channel.new(1000000000), string.rep("x", 100000)
              for i = 1, 100 do ch:send(s) end
              return "sent 100"
            end }
            """, options: options);
        Assert.Equal("not enough memory", (await Run(flood)).Error);
        // Receiving gives the room back: 200 rounds of 5 sends and 5 receives.
        var balanced = Lua("""
            return { main = function()
              local ch, s = channel.new(10), string.rep("x", 100000)
              for round = 1, 200 do
                for i = 1, 5 do ch:send(s) end
                for i = 1, 5 do assert(#ch:receive() == 100000) end
              end
              return "balanced"
            end }
            """, options: options);
        Assert.Equal("balanced", (await Run(balanced)).Result);
    }

    [Fact]
    public async Task Channels_the_script_dropped_are_forgotten_on_the_CSharp_side()
    {
        // Before: every channel a process made stayed in its C# table until it ended (2,000,000 channel.new(0) in a
        // loop: 300 MB of host memory for 100 KB in Lua).
        var tag = "made " + Guid.NewGuid().ToString("N");
        var entry = Lua($$"""
            return { main = function()
              local kept = channel.new(1)
              kept:send("still here")
              for i = 1, 200000 do channel.new(0) end
              print("{{tag}}")
              local m = process.inbox():receive()
              return kept:receive() .. " " .. m:payload()
            end }
            """);
        var pid = Runtime.Spawn(entry, Host).Value;
        var exit = Runtime.WaitForExitAsync(pid);
        await Log.WaitForLinesAsync(l => l.Contains(tag), 1).WaitAsync(Guard);
        var process = (LuaProcess)Runtime.Find(pid)!;
        Assert.InRange(process.TrackedChannels, 1, 20_000);
        Assert.True(Runtime.Send(pid, "t", "and done").Ok);
        Assert.Equal("still here and done", (await exit.WaitAsync(Guard)).Result);
    }

    [Fact]
    public async Task A_linked_spawn_by_a_process_that_is_no_longer_alive_closes_the_childs_state()
    {
        // Before: the child was created (its Lua state built, its top level run), the link failed, and the state was
        // never closed: a leak of up to the child's ceiling per failed spawn.
        var child = new LuaEntry("test:orphan", "return { main = function() return 1 end }", "orphan.lua");
        Runtime.Entries.Add(child);
        var done = new TaskCompletionSource<List<Result<Pid>>>();
        Runtime.Entries.Add("test:late-parent", ctx =>
        {
            // A C# process runs on until it returns or awaits: after terminating itself it is dead but still spawning.
            ctx.Terminate(ctx.Self).ThrowIfFailed();
            var results = new List<Result<Pid>>();
            for (int i = 0; i < 20; i++) results.Add(ctx.SpawnLinked("test:orphan", Host));
            done.SetResult(results);
            return ValueTask.FromResult<object?>(null);
        });
        Runtime.Spawn("test:late-parent", Host).ThrowIfFailed();
        var results = await done.Task.WaitAsync(Guard);
        Assert.All(results, r => Assert.Contains("not alive", r.Error));
        // Closed by a worker after the exit (or, when its state is busy, by the thread inside it): no event says when.
        Assert.True(SpinWait.SpinUntil(() => child.OpenStates == 0, TimeSpan.FromSeconds(30)), $"{child.OpenStates} left open");
    }

    private async Task AssertHostRuns()
    {
        var exit = await Run(Lua("return { main = function() return 'ran' end }"));
        Assert.Equal("ran", exit.Result);
    }
}
