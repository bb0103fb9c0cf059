using System.Diagnostics;
using System.Text;
using Xunit;

namespace Typed.Processes.Lua.Tests;

/// <summary>
/// An adversarial review of issue 10's features: coroutine.spawn, payload:data()'s metatables, the time and uuid
/// modules, type-annotation stripping and the API shape changes. Each test is an attack that must end (at most) the
/// attacking process, never the host or another process.
/// </summary>
public sealed class Issue10AttackTests : LuaTest
{
    private async Task<ProcessEvent> RunLua(string source, LuaOptions? options = null, params object?[] args) =>
        await Run(Lua(source, options: options), args);

    private async Task AssertReturns(object expected, string source, LuaOptions? options = null)
    {
        var exit = await RunLua(source, options);
        Assert.Null(exit.Error);
        Assert.Equal(expected, exit.Result);
    }

    // ---- type annotations ----------------------------------------------------------------------------------------

    [Fact]
    public void A_deeply_nested_type_does_not_overflow_the_stack()
    {
        // Each nesting level is several recursive frames of the type reader: 100,000 levels overflowed the host's
        // stack (a crash of the whole host, not an error), from one line of an entry's source.
        foreach (var (open, close) in new[] { ("{", "}"), ("(", ")"), ("{a: ", "}"), ("T<", ">") })
        {
            var src = "local x: " + string.Concat(Enumerable.Repeat(open, 100_000)) + "number" +
                      string.Concat(Enumerable.Repeat(close, 100_000)) + " = 1\nreturn x";
            byte[]? result = null;
            var t = new Thread(() => result = TypeAnnotations.Strip(Encoding.UTF8.GetBytes(src)), 1024 * 1024);
            t.Start();
            t.Join();
            Assert.NotNull(result);
        }
    }

    public static readonly TheoryData<string, int> Pathological = new()
    {
        // each read fails only at the end of the source, and the next attempt starts a token later
        { "x = a as typeof(", 40_000 },
        { "x = a as T@a(", 40_000 },
        { "interface A ", 40_000 },
        { "x = a :: typeof(", 40_000 },
    };

    [Theory]
    [MemberData(nameof(Pathological))]
    public void Stripping_takes_linear_time(string unit, int count)
    {
        // Quadratic before: 40,000 repetitions (about 600 KB) took minutes, holding the spawner's thread.
        var src = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat(unit, count)));
        var sw = Stopwatch.StartNew();
        TypeAnnotations.Strip(src);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), $"{sw.Elapsed} for {src.Length} bytes");
    }

    [Fact]
    public async Task A_cancel_reason_is_bounded()
    {
        // One process could put a new copy of a megabyte reason in another's event queue at every call (an event is
        // not counted against the mailbox): the host's memory, from a loop of cancels.
        var victim = Runtime.Spawn(Lua("return { main = function() process.inbox():receive() end }"), Host).Value;
        var exit = await RunLua("""
            return { main = function(victim)
              local ok, err = process.cancel(victim, string.rep("r", 1025))
              assert(ok == nil and err:find("reason is too long", 1, true), tostring(err))
              return assert(process.cancel(victim, string.rep("r", 1024)))
            end }
            """, null, victim.ToString());
        Assert.Null(exit.Error);
        Assert.Equal(true, exit.Result);
        Assert.False(Runtime.Cancel(victim, new string('r', 1025)).Ok);
        Assert.True(Runtime.Terminate(victim).Ok);
    }

    public static readonly TheoryData<string> NotYieldable = new()
    {
        "pcall(table.sort, { 3, 2, 1 }, function(a, b) WAIT() return a < b end)",
        "pcall(string.gsub, 'abc', '%w', function() WAIT() end)",
        "pcall(tostring, setmetatable({}, { __tostring = function() WAIT() return 'x' end }))",
        "pcall(load, function() WAIT() end)",
    };

    [Theory]
    [MemberData(nameof(NotYieldable))]
    public async Task A_wait_where_the_coroutine_cannot_yield_leaves_no_waiter_behind(string attempt)
    {
        // The wait was queued before the yield failed ("attempt to yield across a C-call boundary"): the stale waiter
        // stayed on the inbox and took the next message, which no receive ever saw (the process then waited for
        // ever). In main and in a spawned coroutine.
        foreach (var where in new[] { "main", "spawned" })
        {
            var exit = await RunLua($$"""
                local function WAIT() process.inbox():receive() end
                local function body()
                  {{attempt}}
                  process.send(process.pid(), "t", "first")
                  return process.inbox():receive():payload()
                end
                return { main = function()
                  if "{{where}}" == "main" then return body() end
                  local done = channel.new(1)
                  coroutine.spawn(function() done:send(body()) end)
                  return done:receive()
                end }
                """);
            Assert.Null(exit.Error);
            Assert.Equal("first", exit.Result);
        }
    }

    [Fact]
    public async Task Terminating_a_process_with_thousands_of_waiting_coroutines_closes_its_state()
    {
        var victim = new LuaEntry("test:many-waiters", """
            return { main = function(parent)
              local started = 0
              for i = 1, 5000 do
                coroutine.spawn(function()
                  started = started + 1
                  if i % 2 == 0 then process.inbox():receive() else time.sleep("1h") end
                end)
              end
              while started < 5000 do coroutine.yield() end
              process.send(parent, "ready", true)
              time.sleep("1h")
            end }
            """, "many-waiters.lua");
        Runtime.Entries.Add(victim);
        var exit = await RunLua("""
            return { main = function()
              local pid = process.spawn_monitored("test:many-waiters", "app:processes", process.pid())
              process.inbox():receive()
              assert(process.terminate(pid))
              local e = process.events():receive()
              return e.kind .. " " .. tostring(e.error)
            end }
            """);
        Assert.Null(exit.Error);
        Assert.StartsWith("pid.exit terminated", (string)exit.Result!);
        // Closed by a worker after the exit (or, when its state is busy, by the thread inside it): no event says when.
        Assert.True(SpinWait.SpinUntil(() => victim.OpenStates == 0, TimeSpan.FromSeconds(30)), $"{victim.OpenStates} left open");
    }

    [Fact]
    public async Task Coroutines_spawned_for_ever_end_at_the_memory_ceiling()
    {
        var exit = await RunLua("""
            return { main = function()
              while true do
                coroutine.spawn(function() process.inbox():receive() end)
                coroutine.yield()
              end
            end }
            """, new LuaOptions { MemoryLimitBytes = 1024 * 1024 });
        Assert.Equal("not enough memory", exit.Error);
    }
}
