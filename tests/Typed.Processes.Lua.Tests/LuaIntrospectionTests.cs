using Xunit;

namespace Typed.Processes.Lua.Tests;

/// <summary><see cref="ProcessRuntime.Inspect"/> on Lua processes: memory in bytes, CPU time, run slices, received messages.</summary>
public class LuaIntrospectionTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_Lua_process_shows_its_memory_its_cpu_time_and_what_it_received()
    {
        await using var runtime = new ProcessRuntime();
        runtime.Hosts.Add("app:processes", workers: 2);
        runtime.Entries.Add(new LuaEntry("lua:holder", """
            local held = {}
            return { main = function(owner)
              local keep = process.listen("keep")
              while true do
                local s = keep:receive()
                held[#held + 1] = s .. "!"   -- a new string of the same size, in the state
                process.send(owner, "kept", #held)
              end
            end }
            """, "holder.lua"));
        var kept = System.Threading.Channels.Channel.CreateUnbounded<long>();
        runtime.Entries.Add("cs:owner", async ctx =>
        {
            var replies = ctx.Listen<long>("kept");
            var holder = ctx.Spawn("lua:holder", "app:processes", ctx.Self).Value;
            kept.Writer.TryWrite(holder.Id);
            while (true) kept.Writer.TryWrite(await replies.ReceiveAsync());
        });
        runtime.Spawn("cs:owner", "app:processes");
        var holderId = await kept.Reader.ReadAsync().AsTask().WaitAsync(Guard);
        ProcessSnapshot Holder() => runtime.Inspect().Processes.Single(p => p.Pid.Id == holderId);
        var pid = Holder().Pid;
        Assert.True(runtime.Send(pid, "keep", "x").Ok);
        Assert.Equal(1, await kept.Reader.ReadAsync().AsTask().WaitAsync(Guard));
        var before = Holder();
        Assert.True(before.MemoryBytes > 1_000, $"memory {before.MemoryBytes}"); // its own part of the state: a few KB
        Assert.True(before.CpuTime > TimeSpan.Zero, $"cpu {before.CpuTime}");
        // its first run (the message may have been waiting already, so the receive need not wait for another run)
        Assert.True(before.Reductions >= 1, $"reductions {before.Reductions}");
        Assert.Equal(1, before.MessagesReceived);
        Assert.True(runtime.Send(pid, "keep", new string('a', 200_000)).Ok);
        Assert.Equal(2, await kept.Reader.ReadAsync().AsTask().WaitAsync(Guard));
        var after = Holder();
        Assert.Equal(2, after.MessagesReceived);
        Assert.True(after.MemoryBytes - before.MemoryBytes >= 200_000, $"{before.MemoryBytes} -> {after.MemoryBytes}");
        Assert.True(after.Reductions >= before.Reductions, $"reductions {before.Reductions} -> {after.Reductions}");
    }
}
