using Xunit;

namespace Typed.Processes.Lua.Tests;

/// <summary>msg:payload():data() (issue 10, item 5): the value itself, for every payload type but nil.</summary>
public class PayloadDataTests : LuaTest
{
    [Fact]
    public async Task Data_on_a_payload_gives_the_payload_for_strings_numbers_booleans_and_tables()
    {
        var exit = await Run(Lua("""
            return { main = function()
              local me = process.pid()
              local ch = process.listen("t", { message = true })
              local out = {}
              for _, v in ipairs({ "text", 42, 1.5, true, false }) do
                process.send(me, "t", v)
                local p = ch:receive():payload()
                out[#out + 1] = tostring(p:data() == v and math.type(p:data()) == math.type(v))
              end
              process.send(me, "t", { 1, 2, 3, name = "n" })
              local p = ch:receive():payload()
              local d = p:data()
              local keys = 0
              for _ in pairs(p) do keys = keys + 1 end
              out[#out + 1] = tostring(d == p) .. "," .. #p .. "," .. keys .. "," .. d.name
              -- a table's own `data` field wins (the documented corner), and the script may replace the metatable
              process.send(me, "t", { data = "own" })
              local own = ch:receive():payload()
              out[#out + 1] = own.data .. "," .. tostring(setmetatable(own, nil) == own) .. "," .. tostring(getmetatable(own))
              -- the inbox's message objects too
              process.send(me, "other", "via inbox")
              out[#out + 1] = process.inbox():receive():payload():data()
              return table.concat(out, "|")
            end }
            """));
        Assert.Null(exit.Error);
        Assert.Equal("true|true|true|true|true|true,3,4,n|own,true,nil|via inbox", exit.Result);
    }

    [Fact]
    public async Task Data_leaves_strings_numbers_and_booleans_as_they_were()
    {
        var exit = await Run(Lua("""
            return { main = function()
              -- the string library is shared by every process and read-only: a script cannot add methods
              local added = pcall(function() function string.shout(s) return s:upper() .. "!" end end)
              local out = {
                ("abc"):upper(), added and "added" or "HI!", tostring(string.data), tostring(("x").nothing),
                tostring(getmetatable(1)), tostring(getmetatable(true)), tostring(getmetatable("")),
              }
              local n, b = 5, true
              out[#out + 1] = select(2, pcall(function() return n.x end))
              out[#out + 1] = select(2, pcall(function() return b.x end))
              out[#out + 1] = tostring(pcall(setmetatable, 1, {}))
              out[#out + 1] = tostring(1 + 2 == 3 and 2 < 3 and tostring(7) == "7" and (7):data() == 7)
              return table.concat(out, "|")
            end }
            """));
        Assert.Null(exit.Error);
        var parts = ((string)exit.Result!).Split('|');
        Assert.Equal(["ABC", "HI!", "nil", "nil", "false", "false", "false"], parts[..7]);
        Assert.Contains("attempt to index a number value", parts[7], StringComparison.Ordinal);
        Assert.Contains("attempt to index a boolean value", parts[8], StringComparison.Ordinal);
        Assert.Equal(["false", "true"], parts[9..]);
    }

    [Fact]
    public async Task A_nil_payload_has_no_data_method()
    {
        var exit = await Run(Lua("""
            return { main = function()
              local ch = process.listen("t", { message = true })
              process.send(process.pid(), "t", nil)
              local m = ch:receive()
              local ok, err = pcall(function() return m:payload():data() end)
              return tostring(m:payload()) .. "|" .. tostring(ok) .. "|" .. err
            end }
            """));
        Assert.Null(exit.Error);
        Assert.Matches(@"^nil\|false\|.*attempt to index a nil value", (string)exit.Result!);
    }
}

/// <summary>process.spawn_linked_monitored (issue 10, item 6).</summary>
public class SpawnLinkedMonitoredTests : LuaTest
{
    [Fact]
    public async Task The_parent_gets_the_exit_event_and_the_link_both()
    {
        var failing = Lua("return { main = function() error('child failed') end }");
        var normal = Lua("return { main = function() return 'fine' end }");
        var exit = await Run(Lua($$"""
            return { main = function()
              process.set_options({ trap_links = true })
              local events = process.events()
              local a = process.spawn_linked_monitored("{{failing}}", "app:processes")
              local kinds = {}
              for _ = 1, 2 do
                local e = events:receive()
                kinds[#kinds + 1] = e.kind .. (e.from == a and "" or "?")
              end
              table.sort(kinds)
              local b = process.spawn_linked_monitored("{{normal}}", "app:processes")
              local e = events:receive()
              local none = channel.select { events:case_receive(), time.after("50ms"):case_receive() }
              local bad, err = process.spawn_linked_monitored("test:nope", "app:processes")
              return table.concat(kinds, ",") .. "|" .. e.kind .. "," .. tostring(e.result) .. "," .. tostring(e.from == b)
                .. "|" .. tostring(none.channel == events) .. "|" .. tostring(bad) .. "," .. tostring(type(err) == "string")
            end }
            """));
        Assert.Null(exit.Error);
        Assert.Equal("pid.exit,pid.link.down|pid.exit,fine,true|false|nil,true", exit.Result);
    }

    [Fact]
    public async Task The_child_dies_with_its_parent()
    {
        var child = Lua("return { main = function() process.inbox():receive() end }");
        var parent = Runtime.Spawn(Lua($$"""
            return { main = function()
              local c = process.spawn_linked_monitored("{{child}}", "app:processes")
              print("child " .. c)
              process.inbox():receive()
              error("parent crashed")
            end }
            """), Host).Value;
        await Log.WaitForLinesAsync(l => l.Contains("child {"), 1).WaitAsync(Guard);
        var line = Log.Lines.First(l => l.Contains("child {"));
        Assert.True(Pid.TryParse(line[(line.IndexOf("child ", StringComparison.Ordinal) + 6)..], out var childPid));
        var childExit = Runtime.WaitForExitAsync(childPid);
        Runtime.Send(parent, "go", 1).ThrowIfFailed();
        Assert.Contains("parent crashed", (await childExit.WaitAsync(Guard)).Error, StringComparison.Ordinal);
    }
}

/// <summary>process.unlisten (issue 10, item 6): Wippy's use of it, and messages that wait.</summary>
public class UnlistenWaitTests : LuaTest
{
    [Fact]
    public async Task Without_an_inbox_later_messages_wait_for_the_next_listener()
    {
        var exit = await Run(Lua("""
            return { main = function()
              local me = process.pid()
              local ch = process.listen("t", { message = true })
              process.send(me, "t", "first")
              local first = ch:receive():payload():data()
              assert(process.unlisten(ch))
              process.send(me, "t", "second")
              local empty = channel.select { ch:case_receive(), default = true }
              local again = process.listen("t")
              return first .. "|" .. tostring(empty.default) .. "|" .. again:receive()
            end }
            """));
        Assert.Null(exit.Error);
        Assert.Equal("first|true|second", exit.Result);
    }
}

/// <summary>The time module (issue 10, item 6): Time, Duration and Location objects, Go layouts, nanosecond numbers.</summary>
public class TimeModuleTests : LuaTest
{
    private async Task<string> Eval(string body)
    {
        var exit = await Run(Lua("return { main = function()\n" + body + "\nend }"));
        Assert.Null(exit.Error);
        return (string)exit.Result!;
    }

    [Fact]
    public async Task Constants_and_durations()
    {
        Assert.Equal("1|1000|1000000|1000000000|60000000000|3600000000000|1|12|0|6|2006-01-02T15:04:05Z07:00|true", await Eval("""
            local t = require("time")
            return table.concat({ t.NANOSECOND, t.MICROSECOND, t.MILLISECOND, t.SECOND, t.MINUTE, t.HOUR, t.JANUARY,
              t.DECEMBER, t.SUNDAY, t.SATURDAY, t.RFC3339, tostring(t == time) }, "|")
            """));
        Assert.Equal("5445000000000|5445000000|5445000|5445.0|90.75|1.5125|1h30m45s|1.5s|100ms|1.5µs|1ns|0s|-2m3s|1|true|true|true",
            await Eval("""
            local d = time.parse_duration("1h30m45s")
            local s = tostring
            return table.concat({ d:nanoseconds(), d:microseconds(), d:milliseconds(), s(d:seconds()), s(d:minutes()),
              s(d:hours()), s(d), s(time.parse_duration("1.5s")), s(time.parse_duration(100 * time.MILLISECOND)),
              s(time.parse_duration("1500ns")), s(time.parse_duration("1ns")), s(time.parse_duration(0)),
              s(time.parse_duration("-2m3s")), time.parse_duration("1ns"):nanoseconds(),
              s(time.parse_duration("1m") == time.parse_duration(60 * time.SECOND)),
              s(time.parse_duration("1s") < time.parse_duration("2s")), s(time.parse_duration("1s") <= time.SECOND) }, "|")
            """));
        Assert.Equal("""nil|time: invalid duration "x"|nil|time: missing unit in duration "12"|nil|time: unknown unit "y" in duration "1y"|nil""",
            await Eval("""
            local a, e1 = time.parse_duration("x")
            local b, e2 = time.parse_duration("12")
            local c, e3 = time.parse_duration("1y")
            local d = time.parse_duration({})
            return table.concat({ tostring(a), e1, tostring(b), e2, tostring(c), e3, tostring(d) }, "|")
            """));
    }

    [Fact]
    public async Task Time_values_methods_and_go_layouts()
    {
        Assert.Equal(string.Join("|",
                "16", "34", "16", "1.0", "2026", "3", "true", "true", "true", "false",
                "Sun Dec 29 15:04:05 UTC 2024", "2024-12-29T15:04:05Z", "1", "1", "2024,12,29", "15,4,5", "UTC", "0", "364",
                "false", "true", "2024-01-01T12:34:57Z", "2024-01-01T12:34:00Z", "2024-12-29 15:04:05 +0000 UTC",
                "2024-12-29T18:04:05+03:00 MSK", "Jan  1 12:34:56.789", "3:04PM", "1735484645", "true", "true"),
            await Eval("""
            local t = time.date(2024, 12, 29, 15, 4, 5, 0, time.utc)
            local t2 = time.date(2024, 12, 29, 14, 4, 5, 0, time.utc)
            local t1, t3 = time.date(2024, 1, 1, 0, 0, 0, 0, time.utc), time.date(2024, 1, 2, 0, 0, 0, 0, time.utc)
            local y, m, d = t:date()
            local h, mi, s = t:clock()
            local r = time.parse("2006-01-02T15:04:05.999999999Z", "2024-01-01T12:34:56.789Z")
            local msk = time.fixed_zone("MSK", 3 * 3600)
            return table.concat({
              t:add(time.parse_duration("1h")):hour(), t:add("30m"):minute(), t:add(time.HOUR):hour(), tostring(t:sub(t2):hours()),
              t:add_date(1, 2, 3):year(), t:add_date(1, 2, 3):month(), tostring(t1:before(t3)), tostring(t3:after(t1)),
              tostring(t1:equal(t1)), tostring(t1:equal(t3)),
              t:format("Mon Jan 2 15:04:05 MST 2006"), t:format_rfc3339(),
              time.date(1970, 1, 1, 0, 0, 1, 0, time.utc):unix(), time.date(1970, 1, 1, 0, 0, 0, 1, time.utc):unix_nano(),
              y .. "," .. m .. "," .. d, h .. "," .. mi .. "," .. s, tostring(t:location()), t:weekday(), t:year_day(),
              tostring(t:is_zero()), tostring(time.date(1, 1, 1, 0, 0, 0, 0, time.utc):is_zero()),
              r:round(time.parse_duration("1s")):format("2006-01-02T15:04:05Z"),
              r:truncate(time.parse_duration("1m")):format("2006-01-02T15:04:05Z"),
              tostring(t), t:in_location(msk):format(time.RFC3339 .. " MST"), r:format(time.STAMP_MILLI), t:format(time.KITCHEN),
              time.unix(1735484645, 0):unix(), tostring(t1 < t3 and t3 > t1 and t1 == time.unix(t1:unix(), 0)),
              tostring(time.parse(time.RFC3339, "2024-12-29T18:04:05+03:00") == t),
            }, "|")
            """));
    }

    [Fact]
    public async Task Parse_reports_bad_input_as_nil_and_an_error()
    {
        Assert.Equal(
            """nil|parsing time "invalid-date" as "2006-01-02": cannot parse "invalid-date" as "2006"|nil|parsing time "2024-02-30": day out of range|2024-03-05 07:08:09 +0000 UTC""",
            await Eval("""
            local a, e1 = time.parse("2006-01-02", "invalid-date")
            local b, e2 = time.parse("2006-01-02", "2024-02-30")
            local c = time.parse("Jan _2 2006 3:04:05PM", "Mar  5 2024 7:08:09AM", time.utc)
            return table.concat({ tostring(a), e1, tostring(b), e2, tostring(c) }, "|")
            """));
    }

    [Fact]
    public async Task Now_is_a_time_and_numbers_are_nanoseconds_where_wippy_takes_durations()
    {
        // time.after(2 * time.MILLISECOND) must fire long before a 1 s timer: read as milliseconds it would take 33 minutes
        Assert.Equal("true|true|true|true|true", await Eval("""
            local start = time.now()
            local fast = time.after(2 * time.MILLISECOND)
            local r = channel.select { fast:case_receive(), time.after("1s"):case_receive() }
            time.sleep(time.MILLISECOND)
            time.sleep(time.parse_duration("1ms"))
            local elapsed = time.now():sub(start)
            return table.concat({ tostring(r.channel == fast), tostring(r.value:unix() >= start:unix()),
              tostring(elapsed:milliseconds() >= 2), tostring(math.abs(start:unix() - os.time()) <= 2),
              tostring(start:unix_nano() // time.SECOND == start:unix()) }, "|")
            """));
    }

    [Fact]
    public async Task The_module_is_built_when_first_used_not_in_every_process()
    {
        // time.after and time.sleep cost nothing more; the first other use of time (or uuid) builds the rest
        var r = await Eval("""
            local function heap() collectgarbage() collectgarbage() return collectgarbage("count") * 1024 end
            local a = heap()
            time.sleep(time.MILLISECOND)
            time.sleep("1ms")
            local b = heap()
            local now = time.now()
            local c = heap()
            return (b - a) .. " " .. (c - b)
            """);
        var kb = r.Split(' ').Select(double.Parse).ToArray();
        Assert.True(kb[0] < 4096, r);
        // In a shared state the module is the state's, built with it (collectgarbage("count") is the process's own
        // memory); in a state of its own the process builds it, and it is the process's.
        if (new LuaOptions().EffectiveIsolation == LuaIsolation.Shared) Assert.True(kb[1] < 4096, r);
        else Assert.True(kb[1] > 32768, r);
    }

    [Fact]
    public async Task Locations()
    {
        var hasZone = TimeZoneInfo.TryFindSystemTimeZoneById("Asia/Tokyo", out _);
        Assert.Equal("UTC|Local|nil|unknown time zone '../etc/passwd'|nil|false|" + (hasZone ? "Asia/Tokyo 2024-12-30T00:04:05+09:00" : "none"),
            await Eval("""
            local a, e1 = time.load_location("../etc/passwd")
            local b = time.load_location("No/Such_Zone")
            local tokyo = time.load_location("Asia/Tokyo")
            local t = time.date(2024, 12, 29, 15, 4, 5, 0, time.utc)
            return table.concat({ tostring(time.load_location("UTC")), time.localtz:string(), tostring(a), e1, tostring(b),
              tostring(getmetatable(time.utc)),
              tokyo and (tostring(tokyo) .. " " .. t:in_location(tokyo):format(time.RFC3339)) or "none" }, "|")
            """));
    }

    [Fact]
    public async Task Time_objects_are_sealed()
    {
        Assert.Equal("false|false|false|false|blocked|blocked|blocked|2024|{}", await Eval("""
            local t = time.date(2024, 1, 1, 0, 0, 0, 0, time.utc)
            local d = time.parse_duration("1s")
            local function blocked(f) return pcall(f) and "open" or "blocked" end
            local got = process.listen("t")
            process.send(process.pid(), "t", { t })
            local sent = got:receive()[1]
            return table.concat({ tostring(getmetatable(t)), tostring(getmetatable(d)), tostring(getmetatable(time.utc)),
              tostring(getmetatable(time.after(0))),
              blocked(function() setmetatable(t, {}) end), blocked(function() t.year = function() return 1 end end),
              blocked(function() d.x = 1 end), t:year(), next(sent) == nil and "{}" or "fields" }, "|")
            """));
    }
}

/// <summary>The uuid module (issue 10, item 6).</summary>
public class UuidModuleTests : LuaTest
{
    [Fact]
    public async Task V7_uuids_sort_in_the_order_they_were_made_even_within_one_millisecond()
    {
        // Guid.CreateVersion7 fills rand_a at random, so two made in one millisecond sorted either way half the time.
        var exit = await Run(Lua("""
            return { main = function()
              local uuid = require("uuid")
              local last = uuid.v7()
              for i = 1, 20000 do
                local next = uuid.v7()
                if not (next > last) then return "out of order at " .. i .. ": " .. last .. " then " .. next end
                if uuid.version(next) ~= 7 or uuid.variant(next) ~= "RFC4122" then return "bad " .. next end
                last = next
              end
              return "sorted"
            end }
            """));
        Assert.Null(exit.Error);
        Assert.Equal("sorted", exit.Result);
    }

    [Fact]
    public async Task Generates_and_inspects_uuids()
    {
        var exit = await Run(Lua("""
            return { main = function()
              local uuid = require("uuid")
              local a, b, seven, one = uuid.v4(), uuid.v4(), uuid.v7(), uuid.v1()
              local shape = "^%x%x%x%x%x%x%x%x%-%x%x%x%x%-%x%x%x%x%-%x%x%x%x%-%x%x%x%x%x%x%x%x%x%x%x%x$"
              local dns = "6ba7b810-9dad-11d1-80b4-00c04fd430c8"
              local i1, i7 = uuid.parse(dns), uuid.parse(seven)
              local now = os.time()
              return table.concat({
                tostring(a ~= b and a:find(shape) ~= nil and seven:find(shape) ~= nil and one:find(shape) ~= nil),
                uuid.version(a), uuid.version(seven), uuid.version(one), uuid.variant(a), uuid.variant(seven),
                uuid.v3(dns, "www.example.com"), uuid.v5(dns, "www.example.com"),
                i1.version, i1.variant, i1.timestamp, i1.node, tostring(math.abs(i7.timestamp - now) <= 2),
                tostring(i7.node), tostring(math.abs(uuid.parse(one).timestamp - now) <= 2), tostring(uuid.parse(a).timestamp),
                tostring(uuid.validate(dns)), tostring(uuid.validate("{" .. dns .. "}")), tostring(uuid.validate("urn:uuid:" .. dns)),
                tostring(uuid.validate(dns:gsub("-", ""))), tostring(uuid.validate("not-a-uuid")), tostring(uuid.validate(123)),
                uuid.format(dns, "simple"), uuid.format(dns:upper(), "urn"), uuid.format(dns), select(2, uuid.format(dns, "x")),
                select(2, uuid.version("nope")), select(2, uuid.parse(5)), select(2, uuid.v5("bad", "x")),
                tostring(rawget(_G, "uuid")),
              }, "|")
            end }
            """));
        Assert.Null(exit.Error);
        Assert.Equal(string.Join("|", "true", "4", "7", "1", "RFC4122", "RFC4122",
            "5df41881-3aed-3515-88a7-2f4a814cf09e", "2ed6657d-e927-568b-95e1-2665a8aea6a2",
            "1", "RFC4122", "886630433", "00c04fd430c8", "true", "nil", "true", "nil",
            "true", "true", "true", "true", "false", "false",
            "6ba7b8109dad11d180b400c04fd430c8", "urn:uuid:6ba7b810-9dad-11d1-80b4-00c04fd430c8",
            "6ba7b810-9dad-11d1-80b4-00c04fd430c8", "unsupported format", "invalid UUID format", "input must be a string",
            "invalid namespace UUID", "nil"), exit.Result);
    }
}

/// <summary>
/// Escapes through the objects of issue 10's modules (time values, durations, locations, the uuid module, the
/// metatables numbers, booleans and payload tables now have): <see cref="Escapes"/> runs in
/// SandboxEscapeTests.Escape_fails.
/// </summary>
public class WippyModulesEscapeTests : LuaTest
{
    public static TheoryData<string> Escapes() => new(
        "return getmetatable(time.now())",
        "return getmetatable(time.parse_duration('1s'))",
        "return getmetatable(time.utc) or getmetatable(time.localtz) or getmetatable(time.fixed_zone('X', 1))",
        "return getmetatable(time) or getmetatable(require('uuid'))",
        "return setmetatable(time.now(), {})",
        "return setmetatable(time.parse_duration('1s'), {})",
        "return getmetatable(1) or getmetatable(1.5) or getmetatable(true) or getmetatable(false)",
        "return getmetatable(1).__index",
        "return (1).__index or (true).__index",
        "return (1).data.__index",
        "return ('').data.__index",
        "return rawget(getmetatable(''), '__index')",
        "return setmetatable(1, {})",
        "return next(time.now()) or next(time.parse_duration('1s')) or next(time.utc)",
        "return time.now().tp or time.now().T or time.utc.zone_offset or require('uuid').tp",
        "return time.load_location('/etc/passwd')",
        "return time.load_location('../../../../etc/localtime')",
        "return time.load_location('Etc/../../../etc/passwd')",
        "return time.load_location('Etc/UTC\\0')",
        "local ch = process.listen('m', { message = true }) process.send(process.pid(), 'm', {}) "
            + "local mt = getmetatable(ch:receive():payload()) return mt.__metatable or mt.__gc or mt.__index({}, 'debug')",
        "return load('return time.now()', 'x', 't', {})()");

    [Fact]
    public async Task Changing_the_new_objects_changes_nothing_for_other_values_or_processes()
    {
        // One process tampers with everything it can reach (the shared tables refuse; a payload table's metatable is its
        // own), and the other process sees none of it.
        var other = Lua("""
            return { main = function()
              local m = process.inbox():receive()
              local p = m:payload()
              return table.concat({ p:data().k, ("s"):data(), (5):data(), tostring(time.utc),
                tostring(time.parse_duration("1s")), time.date(2024, 1, 1, 0, 0, 0, 0, time.utc):format(time.DATE_ONLY) }, "|")
            end }
            """);
        var exit = await Run(Lua($$"""
            return { main = function()
              assert(not pcall(function() string.format = function() return "hacked" end end))
              assert(not pcall(function() string.sub = nil end))
              local me = process.pid()
              local ch = process.listen("m", { message = true })
              process.send(me, "m", { k = 1 })
              process.send(me, "m", { k = 2 })
              local p1, p2 = ch:receive():payload(), ch:receive():payload()
              getmetatable(p1).__index = function() return function() return "hacked" end end
              assert(not pcall(rawset, time.utc, "string", function() return "hacked" end))
              assert(not pcall(rawset, time, "SECOND", 1))
              local mine = tostring(p2:data().k) .. "," .. tostring(time.utc) .. "," .. tostring(time.parse_duration("1s"))
                .. "," .. time.date(2024, 1, 1, 0, 0, 0, 0, time.utc):format(time.DATE_ONLY)
              local pid = process.spawn_monitored("{{other}}", "app:processes")
              process.send(pid, "x", { k = "other" })
              local e = process.events():receive()
              return mine .. "|" .. tostring(e.result)
            end }
            """));
        Assert.Null(exit.Error);
        Assert.Equal("2,UTC,1s,2024-01-01|other|s|5|UTC|1s|2024-01-01", exit.Result);
    }
}
