using System.Diagnostics;
using KeraLua;
using Typed.Processes.Lua;

namespace Typed.Processes.Benchmarks;

/// <summary>Scenario 4: Lua processes — spawn time, echo round trips, and the plain-coroutine limit.</summary>
public static class LuaBench
{
    public const string EmptySource = "return { main = function() end }";

    public const string PongerSource = """
        return { main = function(pinger, n)
          local ch = process.listen("ping")
          for i = 1, n do
            local v = ch:receive()
            process.send(pinger, "pong", v)
          end
        end }
        """;

    public const string PingerSource = """
        return { main = function(n)
          local p = assert(process.spawn("bench:luaponger", "bench:processes", process.pid(), n))
          local ch = process.listen("pong")
          for i = 1, n do
            process.send(p, "ping", i)
            ch:receive()
          end
          return n
        end }
        """;

    private const string CoroutineSource = """
        function ponger(v) while true do v = coroutine.yield(v) end end
        function pinger(n) for i = 1, n do coroutine.yield(i) end end
        function bench(n)
          local pong = coroutine.create(ponger)
          local ping = coroutine.create(pinger)
          local _, v = coroutine.resume(ping, n)
          for i = 1, n do
            local _, r = coroutine.resume(pong, v)
            _, v = coroutine.resume(ping, r)
          end
        end
        """;

    public static async Task<Table[]> Run(int spawnCount, int roundTrips)
    {
        // ---- spawn ----
        var spawn = new Table("Lua spawn", "µs per process", Better.Lower,
            $"{spawnCount:N0} Lua processes (`main` returns at once) spawned from outside and awaited until they all exited, " +
            "once per isolation mode (a fresh runtime each)");
        if (spawnCount > 0)
        {
            var rows = new Dictionary<LuaIsolation, Row>();
            foreach (var mode in LuaModes.All)
            {
                await using var rt = Systems.NewRuntime();
                rt.Entries.Add(LuaModes.Entry("bench:luaempty", EmptySource, "luaempty.lua", mode));
                rows[mode] = spawn.Add(LuaModes.RowName(mode), await Harness.Measure(() => SpawnMany(rt, "bench:luaempty", spawnCount)), ours: true);
            }
            await using (var rt = Systems.NewRuntime())
            {
                rt.Entries.Add("bench:csempty", _ => ValueTask.FromResult<object?>(null));
                spawn.Add("Typed.Processes (C#), for reference", await Harness.Measure(() => SpawnMany(rt, "bench:csempty", spawnCount)));
            }
            spawn.Add("bare lua_State: new + openlibs + load + close (limit)", await Harness.Measure(() => Task.FromResult(BareStates(spawnCount))), limit: true);
            spawn.Targets.Add(Report.Absolute("Lua spawn, shared state", rows[LuaIsolation.Shared].Stats.Median, "µs", 20,
                LuaModes.Beside($"{Harness.Format(rows[LuaIsolation.State].Stats.Median)} µs")));
        }

        // ---- echo ----
        var echo = new Table("Lua echo round trip", "round trips/s", Better.Higher,
            $"two Lua processes, {roundTrips:N0} round trips (integer payload), once per isolation mode (a fresh runtime each); " +
            "the reference is our C# ping-pong (1 pair, the same count) measured in this table; the limit is the same " +
            "hand-off between two plain coroutines in one lua_State (KeraLua, no runtime)");
        if (roundTrips > 0)
        {
            var rows = new Dictionary<LuaIsolation, Row>();
            int hangsBefore = Harness.Hangs;
            foreach (var mode in LuaModes.All)
            {
                await using var rt = Systems.NewRuntime();
                rt.Entries.Add(LuaModes.Entry("bench:luaponger", PongerSource, "luaponger.lua", mode));
                rt.Entries.Add(LuaModes.Entry("bench:luapinger", PingerSource, "luapinger.lua", mode));
                rows[mode] = echo.Add(LuaModes.RowName(mode), await Harness.Measure(async () => roundTrips / await Harness.Time(async () =>
                {
                    var exit = await rt.Start("bench:luapinger", Systems.Host, (long)roundTrips).Unwrap().Exit;
                    if (exit.Error is not null) throw new InvalidOperationException(exit.Error);
                })), ours: true);
            }
            int luaHangs = Harness.Hangs - hangsBefore;
            var cs = echo.Add("Typed.Processes (C#) ping-pong, 1 pair, for reference", await PingPong.Ours(1, roundTrips, roundTrips, allocations: false));
            var limit = echo.Add("plain coroutines, resumed from C# via KeraLua (limit)", await Harness.Measure(() => Task.FromResult(CoroutinesFromCSharp(roundTrips * 10))), limit: true);
            echo.Add("plain coroutines, resumed by a Lua loop", await Harness.Measure(() => Task.FromResult(CoroutinesInLua(roundTrips * 10))));
            if (luaHangs > 0)
                echo.Notes.Add($"{luaHangs} iteration(s) of our Lua echo hung and were abandoned after 60 s and run again.");
            Row shared = rows[LuaIsolation.Shared], state = rows[LuaIsolation.State];
            echo.Targets.Add(Report.Target("Lua echo, shared state, vs our C# ping-pong (1 pair, same run)", echo.Ratio(shared, cs), 0.5,
                LuaModes.Beside(LuaModes.Ratio(echo.Ratio(state, cs)))));
            echo.Targets.Add(Report.Target("Lua echo, shared state, within 3x of plain coroutines (ratio ≥ 0.33)", echo.Ratio(shared, limit), 1.0 / 3,
                LuaModes.Beside(LuaModes.Ratio(echo.Ratio(state, limit)))));
        }
        return [spawn, echo];
    }

    private static async Task<double> SpawnMany(ProcessRuntime rt, string entry, int count)
    {
        var exits = new Task<ProcessEvent>[count];
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < count; i++) exits[i] = rt.Start(entry, Systems.Host).Unwrap().Exit;
        await Task.WhenAll(exits);
        return sw.Elapsed.TotalMicroseconds / count;
    }

    private static double BareStates(int count)
    {
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < count; i++)
        {
            using var lua = new KeraLua.Lua();
            lua.OpenLibs();
            if (lua.LoadString(EmptySource, "empty") != LuaStatus.OK || lua.PCall(0, 1, 0) != LuaStatus.OK)
                throw new InvalidOperationException(lua.ToString(-1));
        }
        return sw.Elapsed.TotalMicroseconds / count;
    }

    private static double CoroutinesInLua(int n)
    {
        using var lua = new KeraLua.Lua();
        lua.OpenLibs();
        if (lua.DoString(CoroutineSource)) throw new InvalidOperationException(lua.ToString(-1));
        var sw = Stopwatch.StartNew();
        lua.GetGlobal("bench");
        lua.PushInteger(n);
        if (lua.PCall(1, 0, 0) != LuaStatus.OK) throw new InvalidOperationException(lua.ToString(-1));
        return n / sw.Elapsed.TotalSeconds;
    }

    private static double CoroutinesFromCSharp(int n)
    {
        using var lua = new KeraLua.Lua();
        lua.OpenLibs();
        if (lua.DoString(CoroutineSource)) throw new InvalidOperationException(lua.ToString(-1));
        var ping = lua.NewThread();
        var pong = lua.NewThread(); // both stay referenced from lua's stack
        var sw = Stopwatch.StartNew();
        ping.GetGlobal("pinger");
        ping.PushInteger(n);
        pong.GetGlobal("ponger");
        Resume(ping, 1);
        for (int i = 0; i < n; i++)
        {
            long v = ping.ToInteger(-1);
            ping.Pop(1);
            pong.PushInteger(v);
            Resume(pong, 1);
            long r = pong.ToInteger(-1);
            pong.Pop(1);
            ping.PushInteger(r);
            Resume(ping, 1);
        }
        return n / sw.Elapsed.TotalSeconds;

        static void Resume(KeraLua.Lua co, int args)
        {
            var status = co.Resume(null, args, out int results);
            if (status is not (LuaStatus.Yield or LuaStatus.OK)) throw new InvalidOperationException(co.ToString(-1));
            if (results != 1 && status == LuaStatus.Yield) throw new InvalidOperationException("unexpected results " + results);
        }
    }
}
