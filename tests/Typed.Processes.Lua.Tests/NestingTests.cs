using Xunit;

namespace Typed.Processes.Lua.Tests;

/// <summary>Issue 8 item 2: nesting up to 100 levels crosses every boundary, deeper is a clear error, never a crash.</summary>
public class NestingTests : LuaTest
{
    private const string Helpers = """
        local function nest(d) local t = { "leaf" } for i = 2, d do t = { t } end return t end
        local function depth(t) local n = 0 while type(t) == "table" do n = n + 1 t = t[1] end return n end
        """;

    private static PayloadTable Nest(int d)
    {
        var t = PayloadTable.FromItems("leaf");
        for (int i = 2; i <= d; i++) t = PayloadTable.FromItems(t);
        return t;
    }

    private static int Depth(object? v)
    {
        int n = 0;
        while (v is PayloadTable t) { n++; v = t.Items.Count > 0 ? t.Items[0] : null; }
        return n;
    }

    [Fact]
    public async Task Lua_to_lua_by_message_and_by_spawn_argument_from_1_to_120_levels()
    {
        var echo = Lua("return { main = function(parent, v) " + Helpers + """
              if parent then process.send(parent, "depth", depth(v)) return end
              local inbox = process.inbox()
              while true do local m = inbox:receive() process.send(m:from(), "depth", depth(m:payload())) end
            end }
            """);
        var e = Lua("return { main = function() " + Helpers + $$"""
              local inbox = process.inbox()
              local echo = process.spawn("{{echo}}", "app:processes")
              local bad = {}
              for d = 1, 120 do
                local ok, err = process.send(echo, "v", nest(d))
                if d <= 100 then
                  if not ok then bad[#bad + 1] = "send " .. d .. ": " .. tostring(err)
                  else local got = inbox:receive():payload() if got ~= d then bad[#bad + 1] = "send " .. d .. " arrived as " .. got end end
                elseif ok or err ~= "table nested deeper than 100 levels" then bad[#bad + 1] = "send " .. d .. " not refused: " .. tostring(err) end
                local pid, serr = process.spawn("{{echo}}", "app:processes", process.pid(), nest(d))
                if d <= 100 then
                  if not pid then bad[#bad + 1] = "spawn " .. d .. ": " .. tostring(serr)
                  else local got = inbox:receive():payload() if got ~= d then bad[#bad + 1] = "spawn " .. d .. " arrived as " .. got end end
                elseif pid or not tostring(serr):find("table nested deeper than 100 levels", 1, true) then bad[#bad + 1] = "spawn " .. d .. " not refused: " .. tostring(serr) end
              end
              process.terminate(echo)
              return table.concat(bad, "\n")
            end }
            """);
        var exit = await Run(e);
        Assert.Null(exit.Error);
        Assert.Equal("", exit.Result);
    }

    [Fact]
    public async Task Lua_to_csharp_from_1_to_120_levels()
    {
        var e = Lua("return { main = function(d) " + Helpers + " return nest(d) end }");
        for (int d = 1; d <= 120; d++)
        {
            var exit = await Run(e, d);
            if (d <= 100) Assert.Equal(d, Depth(exit.Result));
            else Assert.Equal("invalid result: table nested deeper than 100 levels", exit.Error);
        }
    }

    [Fact]
    public async Task Csharp_to_lua_by_spawn_argument_and_message_from_1_to_120_levels()
    {
        var byArg = Lua("return { main = function(v) " + Helpers + " return depth(v) end }");
        var byMessage = Lua("return { main = function() " + Helpers + """
              local inbox = process.inbox()
              while true do local m = inbox:receive() process.send(m:from(), "depth", depth(m:payload())) end
            end }
            """);
        var receiver = Runtime.Spawn(byMessage, Host).Value;
        for (int d = 1; d <= 120; d++)
        {
            var spawned = Runtime.Start(byArg, Host, Nest(d));
            var sent = Runtime.Send(receiver, "v", Nest(d));
            if (d <= 100)
            {
                var exit = await spawned.Value.Exit.WaitAsync(Guard);
                Assert.True(exit.Error is null, $"depth {d}: {exit.Error}");
                Assert.Equal((long)d, exit.Result);
                Assert.True(sent.Ok, sent.Ok ? "" : sent.Error);
            }
            else
            {
                Assert.False(spawned.Ok);
                Assert.Contains("table nested deeper than 100 levels", spawned.Error);
                Assert.False(sent.Ok);
                Assert.Contains("table nested deeper than 100 levels", sent.Error);
            }
        }
        Assert.True(Runtime.IsAlive(receiver));
    }

    [Theory]
    [InlineData(60)]
    [InlineData(1000)]
    public async Task Spawn_with_many_arguments(int n)
    {
        var child = Lua("return { main = function(...) local s = 0 for i = 1, select('#', ...) do s = s + select(i, ...) end return { select('#', ...), s } end }");
        var e = Lua($$"""
            return { main = function(n)
              local args = {}
              for i = 1, n do args[i] = i end
              process.spawn_monitored("{{child}}", "app:processes", table.unpack(args, 1, n))
              local r = process.events():receive().result
              return r
            end }
            """);
        var expected = new object?[] { (long)n, (long)n * (n + 1) / 2 };
        Assert.Equal(expected, Assert.IsType<PayloadTable>((await Run(e, n)).Result).Items);
        Assert.Equal(expected, Assert.IsType<PayloadTable>((await Run(child, Enumerable.Range(1, n).Select(i => (object?)(long)i).ToArray())).Result).Items);
    }
}
