using Xunit;

namespace Typed.Processes.Lua.Tests;

/// <summary>Issue 8, item 9 (Lua part): the payload bytes queued for a Lua process count against its memory ceiling.</summary>
public class LuaMailboxTests : LuaTest
{
    private static readonly LuaOptions OneMegabyte = new() { MemoryLimitBytes = 1 << 20 };
    private static readonly string Chunk = new('x', 100_000);

    [Fact]
    public async Task A_flood_of_big_messages_stops_at_the_receivers_ceiling_and_receiving_makes_room_again()
    {
        // Receives nothing until a CANCEL (events are never refused), then drains "data" and reports the count; twice.
        var receiver = Lua("""
            return { main = function(probe)
              local data, events = process.listen("data"), process.events()
              local total = 0
              for round = 1, 2 do
                events:receive()
                local n = 0
                while true do
                  local r = channel.select{ data:case_receive(), default = true }
                  if r.default then break end
                  assert(#r.value == 100000)
                  n = n + 1
                end
                total = total + n
                process.send(probe, "drained", n)
              end
              return total
            end }
            """, options: OneMegabyte);
        var drained = System.Threading.Channels.Channel.CreateUnbounded<long>();
        Runtime.Entries.Add("test:probe", async ctx =>
        {
            var ch = ctx.Listen<long>("drained");
            for (int i = 0; i < 2; i++) await drained.Writer.WriteAsync(await ch.ReceiveAsync());
            return null;
        });
        var probe = Runtime.Spawn("test:probe", Host).Value;
        var running = Runtime.Start(receiver, Host, probe).Value;

        int Flood(out string? error)
        {
            error = null;
            for (int i = 0; i < 1000; i++)
            {
                var sent = Runtime.Send(running.Pid, "data", Chunk);
                if (!sent.Ok) { error = sent.Error; return i; }
            }
            return 1000;
        }

        var first = Flood(out var refused);
        Assert.InRange(first, 5, 10); // about 1 MB of 100 KB strings
        Assert.Contains("mailbox full", refused);
        Assert.Contains("memory limit", refused);
        Assert.True(Runtime.Cancel(running.Pid, TimeSpan.FromMinutes(1)).Ok);
        Assert.Equal(first, await drained.Reader.ReadAsync().AsTask().WaitAsync(Guard));

        var second = Flood(out refused); // the first flood was received: its bytes no longer count
        Assert.Equal(first, second);
        Assert.Contains("mailbox full", refused);
        Assert.True(Runtime.Cancel(running.Pid, TimeSpan.FromMinutes(1)).Ok);
        Assert.Equal(second, await drained.Reader.ReadAsync().AsTask().WaitAsync(Guard));
        var exit = await running.Exit.WaitAsync(Guard);
        Assert.Null(exit.Error);
        Assert.Equal((long)(first + second), exit.Result);
    }

    [Fact]
    public async Task A_Lua_sender_flooding_a_Lua_process_gets_mailbox_full_and_the_receiver_lives_on()
    {
        var receiver = Lua("""return { main = function() process.events():receive() return "alive" end }""", options: OneMegabyte);
        var sender = Lua("""
            return { main = function(target)
              local chunk = string.rep("y", 100000)
              for i = 1, 1000 do
                local ok, err = process.send(target, "data", chunk)
                if not ok then return (i - 1) .. " " .. err end
              end
              return "never refused"
            end }
            """);
        var target = Runtime.Start(receiver, Host).Value;
        var result = (string)(await Run(sender, target.Pid)).Result!;
        Assert.Matches("^([5-9]|10) mailbox full", result);
        Runtime.Cancel(target.Pid, TimeSpan.FromMinutes(1)).ThrowIfFailed();
        Assert.Equal("alive", (await target.Exit.WaitAsync(Guard)).Result);
    }
}
