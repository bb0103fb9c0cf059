using System.Diagnostics;
using KeraLua;
using Typed.Processes.Lua;

namespace Typed.Processes.Benchmarks;

/// <summary>
/// Isolation cost: the same Lua loop of library calls (string.format, table.insert) and a plain arithmetic loop (the
/// control) run inside one of our Lua processes (once per isolation mode) and in a bare lua_State with the standard libraries (KeraLua, no
/// runtime), in ns per call. Ours ÷ bare is what our sandbox, prelude, count hook and managed allocator add per call.
/// </summary>
public static class Isolation
{
    /// <summary>The same chunk runs in both: main(kind, n) loops n times and returns a check value.</summary>
    public const string Source = """
        return { main = function(kind, n)
          if kind == "format" then
            local s = ""
            for i = 1, n do s = string.format("%d:%s", i, "x") end
            return #s
          elseif kind == "insert" then
            local t = {}
            for i = 1, n do table.insert(t, i) end
            return #t
          else
            local x = 0
            for i = 1, n do x = x + i % 7 end
            return x
          end
        end }
        """;

    private static readonly (string Kind, string Title, string Call)[] Workloads =
    [
        ("format", "Isolation cost: string.format", "`s = string.format(\"%d:%s\", i, \"x\")`"),
        ("insert", "Isolation cost: table.insert", "`table.insert(t, i)` into one table"),
        ("arith", "Isolation cost: arithmetic (control)", "`x = x + i % 7` (no library call)"),
    ];

    public static async Task<Table[]> Run(int n)
    {
        var tables = new List<Table>();
        foreach (var (kind, title, call) in Workloads)
        {
            var table = new Table(title, "ns per call", Better.Lower,
                $"one Lua loop of {n:N0} iterations of {call}, the same chunk in one of our Lua processes (once per isolation " +
                "mode, a fresh runtime each) and in a bare lua_State with the standard libraries opened (KeraLua, no runtime); " +
                "ours is timed from start to exit minus the median start-to-exit time of the same process with 0 iterations");
            long expected = Expected(kind, n);
            var ours = new Dictionary<LuaIsolation, (Row Row, double Empty)>();
            foreach (var mode in LuaModes.All)
            {
                await using var rt = Systems.NewRuntime();
                rt.Entries.Add(LuaModes.Entry("bench:isolation", Source, "isolation.lua", mode));
                for (int i = 0; i < 50; i++) await RunOurs(rt, "arith", 0, 0); // spawn path warmed before the baseline
                // spawn + exit of the same entry with an empty loop, subtracted from every timed run of ours
                var empty = await Harness.Measure(async () => await Harness.Time(() => RunOurs(rt, kind, 0, Expected(kind, 0))));
                var row = table.Add(LuaModes.RowName(mode), await Harness.Measure(async () =>
                    (await Harness.Time(() => RunOurs(rt, kind, n, expected)) - empty.Median) * 1e9 / n), ours: true);
                ours[mode] = (row, empty.Median);
            }
            var bare = table.Add("bare lua_State + openlibs (limit)", await Harness.Measure(() => Task.FromResult(RunBare(kind, n, expected, hook: false))), limit: true);
            table.Add("bare lua_State + openlibs + an empty count hook every 1,000 instructions", await Harness.Measure(() => Task.FromResult(RunBare(kind, n, expected, hook: true))));
            string Cost(LuaIsolation mode) =>
                $"**{(ours[mode].Row.Stats.Median / bare.Stats.Median).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)}x** " +
                $"(start to exit of the empty process, subtracted: {Harness.Format(ours[mode].Empty * 1e6)} µs)";
            table.Notes.Add("Ours ÷ bare (the time a call takes inside a process, in units of the same call in plain Lua): " +
                            $"shared state {Cost(LuaIsolation.Shared)}; state per process {Cost(LuaIsolation.State)}.");
            Console.WriteLine("  " + table.Title + " | " + table.Notes[^1]);
            tables.Add(table);
        }
        return [.. tables];
    }

    private static long Expected(string kind, int n) => kind switch
    {
        "format" => n == 0 ? 0 : $"{n}:x".Length,
        "insert" => n,
        _ => Enumerable.Range(1, n).Sum(i => (long)(i % 7)),
    };

    private static async Task RunOurs(ProcessRuntime rt, string kind, int n, long expected)
    {
        var exit = await rt.Start("bench:isolation", Systems.Host, kind, (long)n).Unwrap().Exit;
        if (exit.Error is not null) throw new InvalidOperationException(exit.Error);
        if (Convert.ToInt64(exit.Result, System.Globalization.CultureInfo.InvariantCulture) != expected)
            throw new InvalidOperationException($"isolation {kind}: main returned {exit.Result}, expected {expected}");
    }

    /// <summary>A count hook that does nothing: what the VM's hooked mode costs by itself (ours preempts with one).</summary>
    private static readonly LuaHookFunction EmptyHook = (_, _) => { };

    private static double RunBare(string kind, int n, long expected, bool hook)
    {
        using var lua = new KeraLua.Lua();
        lua.OpenLibs();
        if (hook) lua.SetHook(EmptyHook, LuaHookMask.Count, 1000);
        if (lua.LoadString(Source, "isolation") != LuaStatus.OK || lua.PCall(0, 1, 0) != LuaStatus.OK)
            throw new InvalidOperationException(lua.ToString(-1));
        lua.GetField(-1, "main");
        lua.PushString(kind);
        lua.PushInteger(n);
        var sw = Stopwatch.StartNew();
        var status = lua.PCall(2, 1, 0);
        double elapsed = sw.Elapsed.TotalNanoseconds;
        if (status != LuaStatus.OK) throw new InvalidOperationException(lua.ToString(-1));
        if (lua.ToInteger(-1) != expected) throw new InvalidOperationException($"isolation {kind} (bare): main returned {lua.ToInteger(-1)}, expected {expected}");
        return elapsed / n;
    }
}
