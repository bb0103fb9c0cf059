using Xunit;

namespace Typed.Processes.Lua.Tests;

/// <summary>
/// coroutine.spawn: more coroutines inside one Lua process, scheduled by the runtime, each able to wait on channels,
/// time and the mailbox without blocking its siblings (Wippy's engine: runtime/lua/engine/spec.md).
/// </summary>
public sealed class CoroutineTests : LuaTest
{
    /// <summary>A C# process that forwards every payload sent to it (any topic) to <paramref name="into"/>.</summary>
    private Pid Probe(System.Threading.Channels.Channel<object?> into)
    {
        var name = "test:probe" + Guid.NewGuid().ToString("N")[..8];
        Runtime.Entries.Add(name, async ctx =>
        {
            var inbox = ctx.Inbox();
            while (true) await into.Writer.WriteAsync((await inbox.ReceiveAsync()).Payload);
        });
        return Runtime.Spawn(name, Host).Value;
    }

    /// <summary>Runs <paramref name="source"/>'s main and asserts that it returned <paramref name="expected"/>.</summary>
    private async Task AssertReturns(object expected, string source, LuaOptions? options = null)
    {
        var exit = await Run(Lua(source, options: options));
        Assert.Null(exit.Error);
        Assert.Equal(expected, exit.Result);
    }

    /// <summary>Spawns <paramref name="entry"/>, sends it <paramref name="messages"/> and returns its exit.</summary>
    private async Task<ProcessEvent> RunWithMessages(string entry, object?[] args, params (string Topic, string Payload)[] messages)
    {
        var pid = Runtime.Spawn(entry, Host, args).Value;
        var exit = Runtime.WaitForExitAsync(pid);
        foreach (var (topic, payload) in messages) Assert.True(Runtime.Send(pid, topic, payload).Ok);
        return await exit.WaitAsync(Guard);
    }

    [Fact]
    public async Task Producer_and_consumer_talk_over_a_channel()
    {
        // Wippy's engine spec example: neither coroutine is main; main waits for the consumer's total.
        await AssertReturns(55L, """
            return { main = function()
              local ch, done = channel.new(5), channel.new(1)
              coroutine.spawn(function()
                for i = 1, 10 do ch:send(i) end
                ch:close()
              end)
              coroutine.spawn(function()
                local sum = 0
                while true do
                  local v, ok = ch:receive()
                  if not ok then break end
                  sum = sum + v
                end
                done:send(sum)
              end)
              return done:receive()
            end }
            """);
    }

    [Fact]
    public async Task Fan_in_from_many_producers_over_an_unbuffered_channel()
    {
        await AssertReturns(8L * 325, """
            return { main = function()
              local out = channel.new(0)
              for p = 1, 8 do
                coroutine.spawn(function()
                  for i = 1, 25 do out:send({ producer = p, item = i }) end
                end)
              end
              local counts, sum = {}, 0
              for _ = 1, 8 * 25 do
                local m = out:receive()
                counts[m.producer] = (counts[m.producer] or 0) + 1
                sum = sum + m.item
              end
              for p = 1, 8 do if counts[p] ~= 25 then return nil, "producer " .. p .. " sent " .. tostring(counts[p]) end end
              return sum
            end }
            """);
    }

    [Fact]
    public async Task A_coroutine_sleeping_does_not_keep_a_sibling_from_receiving_messages()
    {
        // One sibling sleeps an hour (it would hold everything if a sleep blocked the process), one sleeps briefly,
        // one takes the messages from the mailbox; main returns before the long sleep ends.
        var entry = Lua("""
            return { main = function()
              local out = channel.new(10)
              coroutine.spawn(function() time.sleep("1h") out:send("woke") end)
              coroutine.spawn(function() time.sleep("20ms") out:send("slept") end)
              coroutine.spawn(function()
                local inbox = process.inbox()
                for _ = 1, 3 do out:send(inbox:receive():payload()) end
              end)
              local got = {}
              for _ = 1, 4 do got[#got + 1] = out:receive() end
              table.sort(got)
              return table.concat(got, ",")
            end }
            """);
        var e = await RunWithMessages(entry, [], ("m", "a"), ("m", "b"), ("m", "c"));
        Assert.Null(e.Error);
        Assert.Equal("a,b,c,slept", e.Result);
    }

    [Fact]
    public async Task Select_in_a_coroutine_over_local_channels_the_inbox_and_a_timer()
    {
        await AssertReturns("b:x a:y inbox:m sent", """
            return { main = function()
              local a, b, out = channel.new(), channel.new(), channel.new(5)
              local inbox = process.inbox()
              coroutine.spawn(function()
                local never = time.after("1h")
                for _ = 1, 3 do
                  local r = channel.select { a:case_receive(), b:case_receive(), inbox:case_receive(), never:case_receive() }
                  if r.channel == a then out:send("a:" .. r.value)
                  elseif r.channel == b then out:send("b:" .. r.value)
                  elseif r.channel == inbox then out:send("inbox:" .. r.value:payload())
                  else out:send("timer") end
                end
                -- a send case, taken by main below
                channel.select { a:case_send("sent") }
              end)
              b:send("x")
              a:send("y")
              local r1, r2 = out:receive(), out:receive()
              process.send(process.pid(), "t", "m")
              local r3 = out:receive()
              return table.concat({ r1, r2, r3, (a:receive()) }, " ")
            end }
            """);
    }

    [Fact]
    public async Task Coroutines_wait_on_the_events_and_listen_channels_and_share_the_mailbox()
    {
        var child = Lua("return { main = function(n) return n * 2 end }");
        var entry = Lua("""
            return { main = function(child, host)
              local out = channel.new(5)
              coroutine.spawn(function()
                local ev = process.events():receive()
                out:send("exit:" .. tostring(ev.result))
              end)
              coroutine.spawn(function()
                local v = process.listen("jobs"):receive()
                out:send("job:" .. v)
              end)
              coroutine.spawn(function()
                out:send("inbox:" .. process.inbox():receive():topic())
              end)
              local got = {}
              coroutine.spawn(function()
                local _, err = process.spawn_monitored(child, host, 21)
                if err then error(err) end
              end)
              for _ = 1, 3 do got[#got + 1] = out:receive() end
              table.sort(got)
              return table.concat(got, " ")
            end }
            """);
        var e = await RunWithMessages(entry, [child, Host], ("jobs", "j1"), ("other", "o1"));
        Assert.Null(e.Error);
        Assert.Equal("exit:42 inbox:other job:j1", e.Result);
    }

    [Fact]
    public async Task An_error_in_a_spawned_coroutine_ends_the_process_with_that_error()
    {
        // main waits for ever: only the coroutine's error can end the process.
        var exit = await Run(Lua("""
            return { main = function()
              local ch = channel.new()
              coroutine.spawn(function()
                ch:receive()
                error("boom in a spawned coroutine")
              end)
              coroutine.spawn(function() ch:send(1) end)
              process.inbox():receive()
            end }
            """));
        Assert.NotNull(exit.Error);
        Assert.Contains("boom in a spawned coroutine", exit.Error);
        Assert.Null(exit.Result);

        // A spawned coroutine's return values are dropped: `return nil, err` is not an error there (only main's is).
        await AssertReturns("fine", """
            return { main = function()
              local done = channel.new(1)
              coroutine.spawn(function() done:send(true) return nil, "not an error" end)
              done:receive()
              coroutine.yield() -- let it return
              return "fine"
            end }
            """);
    }

    [Fact]
    public async Task A_runaway_loop_in_a_coroutine_is_preempted_and_terminate_stops_it()
    {
        // One worker: the host's other processes and the looping process's own siblings run only if the loop is
        // preempted.
        Runtime.Hosts.Add("app:one", 1);
        var replies = System.Threading.Channels.Channel.CreateUnbounded<object?>();
        var probe = Probe(replies);
        var pid = Runtime.Spawn(Lua("""
            return { main = function(probe)
              coroutine.spawn(function() while true do end end)
              coroutine.spawn(function()
                local inbox = process.inbox()
                while true do process.send(probe, "pong", inbox:receive():payload()) end
              end)
              channel.new():receive()
            end }
            """), "app:one", probe).Value;
        var exit = Runtime.WaitForExitAsync(pid);
        for (int i = 0; i < 3; i++)
        {
            Assert.True(Runtime.Send(pid, "ping", "ping" + i).Ok);
            Assert.Equal("ping" + i, await replies.Reader.ReadAsync().AsTask().WaitAsync(Guard));
        }
        var other = await Runtime.RunAsync(Lua("return { main = function() return 'ran' end }"), "app:one").WaitAsync(Guard);
        Assert.Equal("ran", other.Result);
        Assert.True(Runtime.Terminate(pid).Ok);
        Assert.Equal("terminated", (await exit.WaitAsync(Guard)).Error);
        Assert.Equal("ran", (await Runtime.RunAsync(Lua("return { main = function() return 'ran' end }"), "app:one").WaitAsync(Guard)).Result);
    }

    [Fact]
    public async Task Terminate_stops_a_spawned_coroutine_looping_inside_a_non_yieldable_call()
    {
        Runtime.Hosts.Add("app:one", 1);
        var pid = Runtime.Spawn(Lua("""
            return { main = function()
              coroutine.spawn(function() table.sort({ 2, 1 }, function() print("sorting") while true do end end) end)
              channel.new():receive()
            end }
            """), "app:one").Value;
        var exit = Runtime.WaitForExitAsync(pid);
        await Log.WaitForLinesAsync(l => l.Contains("sorting"), 1).WaitAsync(Guard);
        Assert.True(Runtime.Terminate(pid).Ok);
        Assert.Equal("terminated", (await exit.WaitAsync(Guard)).Error);
        Assert.Equal("ran", (await Runtime.RunAsync(Lua("return { main = function() return 'ran' end }"), "app:one").WaitAsync(Guard)).Result);
    }

    [Fact]
    public async Task When_main_returns_the_other_coroutines_end_with_the_process()
    {
        // Wippy's rule (as Go's main): main's return ends the process with main's result; coroutines still waiting
        // (on the inbox, a long sleep) or running (a yield loop) are dropped without an error.
        var exit = await Run(Lua("""
            return { main = function()
              coroutine.spawn(function() process.inbox():receive() error("must not run") end)
              coroutine.spawn(function() time.sleep("1h") error("must not run") end)
              coroutine.spawn(function() while true do coroutine.yield() end end)
              local ch = channel.new(1)
              coroutine.spawn(function() ch:send("ran") end)
              return ch:receive()
            end }
            """));
        Assert.Null(exit.Error);
        Assert.Equal("ran", exit.Result);
        Assert.False(Runtime.Send(exit.From, "m", "late").Ok); // the waiting coroutine's process is gone
    }

    [Fact]
    public async Task The_memory_ceiling_is_shared_by_all_coroutines()
    {
        // Each coroutine holds about 300 KB: two fit in the 1 MB ceiling, four do not, though each alone would.
        var entry = Lua("""
            hold = {}
            return { main = function(n)
              local done, never = channel.new(n), channel.new()
              for i = 1, n do
                coroutine.spawn(function()
                  hold[i] = string.rep(string.char(64 + i), 300 * 1024)
                  done:send(true)
                  never:receive()
                end)
              end
              for _ = 1, n do done:receive() end
              return "fit"
            end }
            """, options: new LuaOptions { MemoryLimitBytes = 1024 * 1024 });
        Assert.Equal("fit", (await Run(entry, 2)).Result);
        var over = await Run(entry, 4);
        Assert.Equal("not enough memory", over.Error);
    }

    [Fact]
    public async Task A_thousand_coroutines_wait_and_sleep_in_one_process()
    {
        await AssertReturns(500500L + 1000, """
            return { main = function()
              local gate, results = channel.new(0), channel.new(0)
              for i = 1, 1000 do
                coroutine.spawn(function()
                  local v = gate:receive()
                  time.sleep("5ms")
                  results:send(i + v)
                end)
              end
              for _ = 1, 1000 do gate:send(1) end
              local sum = 0
              for _ = 1, 1000 do sum = sum + results:receive() end
              return sum
            end }
            """);
    }

    [Fact]
    public async Task Finished_coroutines_are_released()
    {
        // 20,000 coroutines one after the other, under a 1 MB ceiling: each Lua thread takes about 1 KB, so the
        // process runs out of memory unless a finished coroutine is let go.
        await AssertReturns("done", """
            return { main = function()
              local done = channel.new(1)
              for i = 1, 20000 do
                coroutine.spawn(function() done:send(i) end)
                if done:receive() ~= i then return nil, "wrong value" end
              end
              return "done"
            end }
            """, new LuaOptions { MemoryLimitBytes = 1024 * 1024 });
    }

    [Fact]
    public async Task A_bare_yield_in_main_lets_the_spawned_coroutines_run()
    {
        // Wippy's tests yield from main to let spawned coroutines run first (they are queued in order).
        await AssertReturns("first,second,main", """
            return { main = function()
              local seen = {}
              coroutine.spawn(function() seen[#seen + 1] = "first" end)
              coroutine.spawn(function() seen[#seen + 1] = "second" end)
              coroutine.yield()
              seen[#seen + 1] = "main"
              return table.concat(seen, ",")
            end }
            """);
    }

    [Fact]
    public async Task The_script_cannot_resume_the_runtimes_coroutines_and_its_own_still_cannot_wait()
    {
        var exit = await Run(Lua("""
            return { main = function()
              local out = {}
              local co = coroutine.spawn(function() channel.new():receive() end)
              out[#out + 1] = type(co)
              out[#out + 1] = select(2, pcall(coroutine.resume, co))
              out[#out + 1] = select(2, pcall(coroutine.close, co))
              local main_co = coroutine.running()
              local done = channel.new(1)
              coroutine.spawn(function()
                local ok, err = pcall(coroutine.resume, main_co)
                local ok2, err2 = pcall(coroutine.wrap(function() return channel.new():receive() end))
                done:send(err .. " | " .. err2)
              end)
              out[#out + 1] = done:receive()
              out[#out + 1] = select(2, pcall(coroutine.spawn, 42))
              return table.concat(out, "\n")
            end }
            """));
        Assert.Null(exit.Error);
        var lines = ((string)exit.Result!).Split('\n');
        Assert.Equal("thread", lines[0]);
        Assert.Contains("cannot resume a coroutine the runtime schedules", lines[1]);
        Assert.Contains("cannot close a coroutine the runtime schedules", lines[2]);
        Assert.Contains("cannot resume a coroutine the runtime schedules", lines[3]);
        Assert.Contains("cannot wait in a coroutine the script created", lines[3]);
        Assert.Contains("function expected, got number", lines[4]);
    }

    [Fact]
    public void Spawning_a_coroutine_in_an_entrys_top_level_fails_the_spawn()
    {
        var r = Runtime.Spawn(Lua("coroutine.spawn(function() end) return { main = function() return 1 end }"), Host);
        Assert.False(r.Ok);
        Assert.Contains("coroutine.spawn: not allowed in an entry's top level", r.Error);
    }

    [Fact]
    public void The_wrapper_KeraLua_makes_for_a_thread_is_released()
    {
        // KeraLua holds the wrapper of every thread it wrapped with a strong handle it never frees: one leaked object
        // and handle per coroutine (main, spawned, or the script's calling a tp function) for the host's life.
        using var lua = new KeraLua.Lua();
        var shared = LuaProcess.ExtraHandle(lua.Handle);
        var (thread, wrapper) = WrapNewThread(lua);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.True(wrapper.IsAlive); // KeraLua's handle keeps it
        LuaProcess.ReleaseWrapper(thread, shared);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.False(wrapper.IsAlive);
        Assert.Equal(shared, LuaProcess.ExtraHandle(thread));
        Assert.Same(lua, KeraLua.Lua.FromIntPtr(lua.Handle));
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static (IntPtr Thread, WeakReference Wrapper) WrapNewThread(KeraLua.Lua lua)
    {
        var t = lua.NewThread();
        return (t.Handle, new WeakReference(t));
    }
}
