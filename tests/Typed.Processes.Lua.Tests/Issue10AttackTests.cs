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
    public async Task Probe_hostile_values()
    {
        var exit = await RunLua("""
            return { main = function()
              local out = {}
              local function try(name, f)
                local ok, a, b = pcall(f)
                out[#out + 1] = name .. " => " .. tostring(ok) .. " " .. tostring(a) .. " " .. tostring(b)
              end
              local uuid = require("uuid")
              try("sleep nan", function() return time.sleep(0/0) end)
              try("after inf", function() return time.after(math.huge) end)
              try("after -inf", function() return time.after(-math.huge) end)
              try("after -1", function() return time.after(-1) end)
              try("after 2^63", function() return time.after(2^63) end)
              try("after str huge", function() return time.after("99999999999999999999h") end)
              try("cancel nan", function() return process.cancel(process.pid(), 0/0) end)
              try("cancel inf", function() return process.cancel(process.pid(), math.huge) end)
              try("unix huge", function() return time.unix(math.huge):format_rfc3339() end)
              try("unix nan", function() return time.unix(0/0):format_rfc3339() end)
              try("unix maxint", function() return time.unix(math.maxinteger, math.maxinteger):format_rfc3339() end)
              try("unix minint", function() return time.unix(math.mininteger, math.mininteger):format_rfc3339() end)
              try("date huge", function() return time.date(math.maxinteger, 1, 1, 0, 0, 0, 0, time.UTC):format_rfc3339() end)
              try("add_date huge", function() return time.now():add_date(math.maxinteger, math.maxinteger, math.maxinteger):format_rfc3339() end)
              try("add huge", function() return time.now():add(math.maxinteger):format_rfc3339() end)
              try("add minint", function() return time.now():add(math.mininteger):format_rfc3339() end)
              try("sub", function() return time.unix(math.maxinteger // 2):sub(time.unix(math.mininteger // 2)) end)
              try("format big", function() return #time.now():format(string.rep("2006-01-02 ", 100000)) end)
              try("parse hostile", function() return time.parse(string.rep("2006", 1000), string.rep("9", 4000)) end)
              try("parse junk", function() return time.parse("2006-01-02T15:04:05.999999999Z07:00", "2006-01-02T15:04:05." .. string.rep("9", 100000) .. "Z") end)
              try("parse_duration huge", function() return time.parse_duration(string.rep("1h", 100000)) end)
              try("parse_duration overflow", function() return time.parse_duration("9223372036854775807h") end)
              try("parse_duration digits", function() return time.parse_duration(string.rep("9", 100000) .. "ns") end)
              try("load_location path", function() return time.load_location("../../../../etc/passwd") end)
              try("load_location abs", function() return time.load_location("/etc/localtime") end)
              try("load_location nul", function() return time.load_location("Europe/Paris\0x") end)
              try("load_location long", function() return time.load_location(string.rep("A", 10000)) end)
              try("truncate 0", function() return time.now():truncate(0):unix() end)
              try("truncate neg", function() return time.now():truncate(-5):unix() end)
              try("round minint", function() return time.now():round(math.mininteger):unix() end)
              try("dur str", function() return tostring(time.parse_duration("-2562047h47m16.854775808s")) end)
              try("v5 huge", function() return uuid.v5(uuid.v4(), string.rep("x", 10000000)) end)
              try("v3 ns junk", function() return uuid.v3("zz", "x") end)
              try("fixed_zone", function() return time.fixed_zone(string.rep("x", 100), math.maxinteger):name() end)
              try("now in", function() return time.now():in_location(time.fixed_zone("x", math.mininteger)):format_rfc3339() end)
              try("ticker", function() return time.ticker end)
              try("send many", function() return process.send(process.pid(), "t", table.unpack({}, 1, 100000)) end)
              try("send nil nil", function() return process.send(process.pid(), "t", nil, nil) end)
              try("set_options nonstring key", function() return process.set_options({ [1] = true }) end)
              try("set_options nested", function() return process.set_options({ trap_links = true, [{}] = 1 }) end)
              try("reason newline", function() return process.cancel("no\nsuch\0name", "r") end)
              try("lookup nonutf8", function() return process.registry.lookup("\xff\xfe") end)
              return table.concat(out, "\n")
            end }
            """);
        Assert.Fail(exit.Error ?? exit.Result?.ToString());
        Assert.Null(exit.Error);
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
}
