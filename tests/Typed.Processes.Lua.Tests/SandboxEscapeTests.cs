using Typed.Processes.Lua;
using Xunit;

namespace Typed.Processes.Lua.Tests;

/// <summary>
/// The sandbox escape suite (issue 8, item 5): every path out of the sandbox we could think of, each run as a process
/// and each asserting that the escape fails (the snippet raises an error or yields nothing usable).
/// </summary>
public class SandboxEscapeTests : LuaTest
{
    // A chunk compiled by the host's own Lua ("return os"), written as a Lua string literal of \ddd escapes, so that a
    // script holds real bytecode without string.dump.
    private static readonly string Bytecode = string.Concat(LuaEntry.Compile("return os", "x").Select(b => "\\" + b));

    public static TheoryData<string> Escapes() => new(
        // require and the package library
        "return require('io')",
        "return require('io').open",
        "return require('os').execute",
        "return require('debug').getupvalue",
        "return require('package')",
        "return require('ffi')",
        "return require('string').dump",
        "return require('_G').io",
        "return package.loaded.os.execute",
        "return package.preload",
        "return package.loadlib",
        "return package.searchers",
        // removed globals, by every name
        "return io.open",
        "return rawget(_G, 'io')",
        "return _G.debug",
        "return _ENV.package",
        "return _G._G.debug",
        "return rawget(_G, '__tp')",
        "return __tp",
        "return dofile('/etc/passwd')",
        "return loadfile('/etc/passwd')",
        "return dofile",
        "return loadfile",
        "return warn",
        "return os.execute('true')",
        "return os.getenv('HOME')",
        "return os.remove('/tmp/nothing-here')",
        "return os.rename",
        "return os.tmpname",
        "return os.setlocale",
        "return os.exit",
        // string.dump and the string metatable
        "return string.dump",
        "return (''):dump()",
        "return getmetatable('').__index.dump",
        "return getmetatable('')",
        "return rawget(getmetatable(''), '__index')",
        "return setmetatable('', {})",
        "return load(string.dump(function() end))",
        // binary chunks, every way load can be asked
        $"return load('{Bytecode}')",
        $"return load('{Bytecode}', 'x', 'b')",
        $"return load('{Bytecode}', 'x', 'bt')",
        $"return load('{Bytecode}', 'x', 't')",
        $"local s, done = '{Bytecode}', false return load(function() if done then return nil end done = true return s end)",
        $"return load('{Bytecode}', 'x', nil, _G)",
        // load with a custom environment, then escaping from it
        "return load('return io', 'x', 't', {})()",
        "return load('return getmetatable(\"\").__index.dump', 'x', 't', { getmetatable = getmetatable })()",
        "return load('return require(\"io\")', 'x', 't', { require = require })()",
        "return load('return _G.package', 'x', 't', nil)()",
        // the collector and finalizers
        "return collectgarbage('stop')",
        "return collectgarbage('generational')",
        "return collectgarbage('incremental')",
        "return collectgarbage('setpause', 1000)",
        // our objects' metatables
        "return getmetatable(process.inbox())",
        "return getmetatable(process.events())",
        "return getmetatable(channel.new(1))",
        "return getmetatable(time.after(1000))",
        "return setmetatable(process.inbox(), {})",
        "return getmetatable(process) or getmetatable(channel) or getmetatable(time) or getmetatable(process.registry)",
        "local ch = process.listen('m', { message = true }) process.send(process.pid(), 'm', 1) return getmetatable(ch:receive())",
        "local ch = process.listen('m', { message = true }) process.send(process.pid(), 'm', 1) return setmetatable(ch:receive(), {})",
        // coroutines
        "return coroutine.wrap(function() return require('io') end)()",
        "return select(2, coroutine.resume(coroutine.create(function() return debug or package end)))",
        "return coroutine.wrap(function() return load('return io')() end)()");

    [Theory]
    [MemberData(nameof(Escapes))]
    [MemberData(nameof(WippyModulesEscapeTests.Escapes), MemberType = typeof(WippyModulesEscapeTests))]
    public async Task Escape_fails(string snippet)
    {
        var exit = await Run(Lua($$"""
            return { main = function()
              local ok, v = pcall(function() {{snippet}} end)
              if ok and v ~= nil and v ~= false then return "ESCAPED: " .. tostring(v) end
              return "blocked: " .. tostring(v)
            end }
            """));
        Assert.Null(exit.Error);
        Assert.StartsWith("blocked: ", (string)exit.Result!);
    }

    [Fact]
    public async Task Nothing_removed_is_reachable_from_the_globals_or_our_objects()
    {
        // A walk over every table reachable from _G and from our runtime objects (keys, values and the metatables
        // getmetatable gives): no userdata (io's files), no removed library, no name of a removed function (but
        // "remove", which table has too; the os table's exact contents are checked below).
        var exit = await Run(Lua("""
            local forbidden = {}
            for name in ("io debug package __tp execute getenv rename exit tmpname setlocale popen open lines "
              .. "loadlib searchers searchpath preload loaded cpath path dump sethook gethook getregistry getupvalue "
              .. "setupvalue upvaluejoin upvalueid getlocal setlocal setuservalue getuservalue setcstacklimit dofile "
              .. "loadfile warn"):gmatch("%S+") do forbidden[name] = true end
            return { main = function()
              local found, seen = {}, {}
              local function walk(v, where)
                local t = type(v)
                if t == "userdata" then found[#found + 1] = where .. " is a userdata" return end
                if t ~= "table" or seen[v] then return end
                seen[v] = true
                for k, x in next, v do
                  local name = where .. "." .. tostring(k)
                  if forbidden[k] then found[#found + 1] = name end
                  walk(k, name .. "(key)")
                  walk(x, name)
                end
                local mt = getmetatable(v)
                if mt ~= nil then walk(mt, where .. "(metatable)") end
              end
              walk(_G, "_G")
              walk(getmetatable(""), "string metatable")
              local msgs = process.listen("m", { message = true })
              process.send(process.pid(), "m", { 1 })
              walk({ process.inbox(), process.events(), channel.new(1), time.after(1000), msgs, msgs:receive(),
                require("process"), require("channel"), require("time") }, "objects")
              return #found == 0 and "clean" or table.concat(found, ", ")
            end }
            """));
        Assert.Null(exit.Error);
        Assert.Equal("clean", exit.Result);
    }

    [Fact]
    public async Task The_allowed_globals_are_exactly_the_allow_list_and_work()
    {
        var exit = await Run(Lua("""
            return { main = function()
              local names = {}
              for k in pairs(_G) do names[#names + 1] = k end
              table.sort(names)
              local osnames = {}
              for k in pairs(os) do osnames[#osnames + 1] = k end
              table.sort(osnames)
              -- the kept functions still work, ours included
              local f = load("return 1 + ...")
              local t = setmetatable({}, { __index = function(_, k) return k .. "!" end })
              local works = f(1) == 2 and t.x == "x!" and collectgarbage("count") > 0 and collectgarbage() == 0
                and collectgarbage("step") ~= nil and collectgarbage("isrunning") == true and ("abc"):upper() == "ABC"
                and utf8.char(72) == "H" and math.max(1, 2) == 2 and coroutine.wrap(function() return 5 end)() == 5
                and select("#", load("return 1", "c", "t", nil)) == 1 and string.dump == nil
              return table.concat(names, " ") .. "|" .. table.concat(osnames, " ") .. "|" .. tostring(works)
            end }
            """));
        Assert.Null(exit.Error);
        Assert.Equal(
            "_G _VERSION assert channel collectgarbage coroutine error getmetatable ipairs load math next os pairs pcall " +
            "print process rawequal rawget rawlen rawset require select setmetatable string table time tonumber tostring " +
            "type utf8 xpcall|clock date difftime time|true", exit.Result);
    }

    [Fact]
    public async Task Require_gives_our_modules_and_the_manifests_libraries_once_and_nothing_else()
    {
        var libs = new[]
        {
            new LuaLibrary("util", "counter = (counter or 0) + 1 return { twice = function(x) return 2 * x end, io = io }", "util.lua"),
            new LuaLibrary("loop", "return require('loop')", "loop.lua"),
        };
        var reference = "test:req" + Guid.NewGuid().ToString("N")[..8];
        Runtime.Entries.Add(new LuaEntry(reference, """
            return { main = function()
              local u = require("util")
              local same = require("util") == u and counter == 1
              local ok, err = pcall(require, "nope")
              local ok2, err2 = pcall(require, "loop")
              return tostring(same) .. "|" .. u.twice(21) .. "|" .. tostring(u.io) .. "|" .. err .. "|" .. err2:match("loop or previous.*")
                .. "|" .. tostring(require("process") == process)
            end }
            """, reference + ".lua", libraries: libs));
        var exit = await Run(reference);
        Assert.Null(exit.Error);
        Assert.Equal("true|42|nil|module 'nope' not found|loop or previous error loading module 'loop'|true", exit.Result);

        // A library that does not compile fails the spawn, naming its file and line.
        var broken = "test:broken" + Guid.NewGuid().ToString("N")[..8];
        Runtime.Entries.Add(new LuaEntry(broken, "return { main = function() return 1 end }", broken + ".lua",
            libraries: [new LuaLibrary("bad", "return {\n x = = 1 }", "bad.lua")]));
        var spawn = Runtime.Spawn(broken, Host);
        Assert.False(spawn.Ok);
        Assert.StartsWith("bad.lua:2:", spawn.Error);
    }
}
