using Typed.Processes.Lua;
using Xunit;

namespace Typed.Processes.Lua.Tests;

/// <summary>
/// Adversarial review of the shared-state engine (issue 13): attacks on memory attribution, on the processes that
/// share a state, and on the wrapping of entries as <c>function(_ENV, ...)</c>.
/// </summary>
public class EngineReviewTests : LuaTest
{
    private string Entry(string source, LuaOptions? options = null) => Lua(source, options: options);

    [Fact(Skip = "finding (not fixed): an interned short string stays charged to the process that allocated it first; remove Skip to see the server end with not enough memory")]
    public async Task A_client_holding_short_strings_a_server_built_does_not_end_the_server()
    {
        // Short strings are interned: a string pushed into the state (a message) is the object already there if one
        // with the same bytes is alive (or dead but not yet swept), and that block stays charged to whoever allocated
        // it first. The server builds a short reply, sends it and drops it; the client, in the same state, receives it
        // (the same object) and keeps it. The server holds nothing, yet its budget keeps every reply the client holds.
        var server = Entry("""
            return { main = function()
              local inbox = process.inbox()
              while true do
                local m = inbox:receive()
                local n = m:payload()
                if n == "stop" then return "ok" end
                process.send(m:from(), "r", "reply:" .. n)
              end
            end }
            """, new LuaOptions { MemoryLimitBytes = 1 << 20 });
        var client = Entry("""
            return { main = function(server, host, rounds)
              local ev = process.events()
              local spid = assert(process.spawn_monitored(server, host))
              local inbox = process.inbox()
              local hold = {}
              for i = 1, rounds do
                process.send(spid, "n", i)
                local r = channel.select({ inbox:case_receive(), ev:case_receive() })
                if r.channel == ev then return "server ended: " .. tostring(r.value.error) .. " after " .. (i - 1) end
                hold[i] = r.value:payload()
              end
              process.send(spid, "n", "stop")
              local e = ev:receive()
              return tostring(e.error or e.result) .. " " .. #hold
            end }
            """);
        var exit = await Run(client, server, Host, 60000L);
        Assert.Null(exit.Error);
        Assert.Equal("ok 60000", exit.Result);
    }

    [Theory]
    [InlineData("table.sort({ 3, 2, 1 }, function(a, b) while true do end end)")]
    [InlineData("coroutine.wrap(function() while true do end end)()")]
    public async Task A_process_looping_inside_a_non_yieldable_call_does_not_starve_its_state_mates(string loop)
    {
        // The parent places the victim and the looper in its own state (spawned from Lua, on its host). The looper
        // never leaves table.sort's comparator, where the count hook cannot yield; nobody terminates it. The victim,
        // a state-mate, must still run (with a state per process it would, on another worker).
        var victim = Entry("""
            return { main = function()
              -- the looper's "go" and the test's "end" (sent once it waits for this exit), in either order
              local a, b = process.inbox():receive(), process.inbox():receive()
              local m = a:topic() == "go" and a or b
              return "victim got " .. tostring(m:payload())
            end }
            """);
        var looper = Entry("""
            return { main = function(victim)
              process.send(victim, "go", "go") -- the victim is ready from now on
              LOOP
            end }
            """.Replace("LOOP", loop));
        var parent = Entry("""
            return { main = function(victim, looper, host)
              local v = assert(process.spawn(victim, host))
              local l = assert(process.spawn(looper, host, v))
              return { v, l }
            end }
            """);
        var r = Assert.IsType<PayloadTable>((await Run(parent, victim, looper, Host)).Result);
        var vpid = Pid.Parse((string)r.Items[0]!);
        var lpid = Pid.Parse((string)r.Items[1]!);
        var vexit = Runtime.WaitForExitAsync(vpid);
        var lexit = Runtime.WaitForExitAsync(lpid);
        Assert.True(Runtime.Send(vpid, "end", null).Ok);
        try
        {
            // a failure guard (not synchronisation): the victim needs a few ms once it runs
            var e = await vexit.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.True("victim got go".Equals(e.Result), $"victim: {e.Result} / {e.Error}");
            if (new LuaOptions().EffectiveIsolation == LuaIsolation.Shared)
            {
                // the looper ends: it held its state for more than a second while the victim was ready
                Assert.Contains("without yielding", (await lexit.WaitAsync(Guard)).Error);
            }
            else
            {
                // a state of its own holds no one else: it loops on until it is stopped
                var stopped = Runtime.Terminate(lpid);
                Assert.Equal("terminated", (await lexit.WaitAsync(Guard)).Error);
                Assert.True(stopped.Ok, stopped.Error);
            }
        }
        finally { Runtime.Terminate(lpid); }
    }

    [Fact(Skip = "finding (not fixed): the function(_ENV, ...) wrapping takes one of the 200 locals; remove Skip to see the spawn fail")]
    public async Task An_entry_with_200_top_level_locals_runs_as_it_compiles_alone()
    {
        // Lua allows 200 locals per function; the chunk alone has _ENV as an upvalue, the wrapped function as a
        // parameter (one more local).
        var locals = string.Join("\n", Enumerable.Range(1, 199).Select(i => $"local v{i} = {i}"));
        var e = Entry(locals + "\nlocal M = {}\nfunction M.main() return v1 + v199 end\nreturn M\n");
        var exit = await Run(e);
        Assert.Null(exit.Error);
        Assert.Equal(200L, exit.Result);
    }

    [Fact]
    public async Task A_process_filling_the_time_modules_private_tables_does_not_end_another_process()
    {
        // The time module's objects keep their values in weak tables of the state (stdlib.lua: dur_ns, T, loc_data),
        // shared by all its processes. A table's part grows or shrinks by a new block, charged to the process whose
        // insertion found it full. The attacker (64 MB) holds 270,000 Durations; the victim (4 MB) then makes
        // Durations it drops at once: one of its insertions rehashes a table sized for the attacker's keys.
        var attacker = Entry("""
            return { main = function(parent)
              local hold = {}
              for i = 1, 270000 do hold[i] = time.parse_duration(i) end
              process.send(parent, "ready", #hold)
              process.inbox():receive()
              return #hold
            end }
            """);
        var victim = Entry("""
            return { main = function()
              for i = 1, 600000 do local d = time.parse_duration(i) end
              return "ok"
            end }
            """, new LuaOptions { MemoryLimitBytes = 4 << 20 });
        var parent = Entry("""
            return { main = function(attacker, victim, host)
              local ready = process.listen("ready")
              local ev = process.events()
              local a = assert(process.spawn(attacker, host, process.pid()))
              ready:receive()
              assert(process.spawn_monitored(victim, host))
              local e = ev:receive()
              process.send(a, "stop", true)
              return tostring(e.error or e.result)
            end }
            """);
        var exit = await Run(parent, attacker, victim, Host);
        Assert.Null(exit.Error);
        Assert.Equal("ok", exit.Result);
    }

}
