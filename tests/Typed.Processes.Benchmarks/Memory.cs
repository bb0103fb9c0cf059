using System.Diagnostics;
using System.Globalization;
using Akka.Actor;
using Proto;
using Process = System.Diagnostics.Process;
using Typed.Processes.Lua;

namespace Typed.Processes.Benchmarks;

/// <summary>
/// Scenario 3: memory per idle process. Each system is measured in a fresh child process (this binary re-executed with
/// <c>--child mem &lt;system&gt; &lt;count&gt;</c>, and for a Lua system the isolation mode, <c>shared</c> or
/// <c>state</c>), so that the GC heap and working-set deltas only contain that system.
/// </summary>
public static class Memory
{
    public const string LuaIdleSource = """
        return { main = function(collector)
          process.send(collector, "up", 1)
          process.listen("go"):receive()
        end }
        """;

    public static async Task<Table[]> Run(int count, int luaCount)
    {
        var heap = new Table($"Idle memory: GC heap per process", "bytes", Better.Lower,
            $"{count:N0} idle processes/actors each waiting for a message (Lua: {luaCount:N0}), measured in a fresh child process: " +
            "GC.GetTotalMemory(true) after - before, divided by the count");
        var ws = new Table($"Idle memory: working set per process", "bytes", Better.Lower,
            heap.Workload.Replace("GC.GetTotalMemory(true)", "Process.WorkingSet64", StringComparison.Ordinal));
        // Each Lua mode is its own child: --child mem ours-lua <count> <shared|state>.
        var lua = new Dictionary<LuaIsolation, (Row Heap, Row Ws)>();
        foreach (var (system, name, n, ours, mode) in new (string, string, int, bool, LuaIsolation?)[]
                 {
                     ("ours-cs", "Typed.Processes (C#)", count, true, null),
                     ("ours-lua", LuaModes.SharedRow, luaCount, true, LuaIsolation.Shared),
                     ("ours-lua", LuaModes.StateRow, luaCount, true, LuaIsolation.State),
                     ("akka", "Akka.NET", count, false, null),
                     ("proto", "Proto.Actor", count, false, null),
                 })
        {
            var (h, w) = await RunInChild(system, n, mode is { } m ? [LuaModes.Arg(m)] : []);
            var rows = (heap.Add(name, Stats.Once(h), ours), ws.Add(name, Stats.Once(w), ours));
            if (mode is { } lm) lua[lm] = rows;
        }
        var csHeap = heap.Rows[0].Stats.Median;
        heap.Targets.Add(Report.Absolute("idle C# process (GC heap)", csHeap, "bytes", 500));
        ws.Targets.Add(Report.Absolute("idle Lua process, shared state (working set: Lua memory is native)",
            lua[LuaIsolation.Shared].Ws.Stats.Median, "bytes", 8 * 1024,
            LuaModes.Beside($"{Harness.Format(lua[LuaIsolation.State].Ws.Stats.Median)} bytes")));
        var sizes = new Dictionary<LuaIsolation, double>();
        foreach (var mode in LuaModes.All) sizes[mode] = await LuaHeapSize(mode);
        double bareKb = BareLuaHeapSize();
        static string Kb(double kb) => double.IsNaN(kb) ? "n/a (collectgarbage(\"count\") gave no number in the process)"
            : kb.ToString("0.0", CultureInfo.InvariantCulture) + " KB";
        ws.Notes.Add($"Lua's own count (collectgarbage(\"count\")): a bare lua_State with the standard libraries uses {Kb(bareKb)}; " +
                     $"inside a Typed.Processes Lua process, {Kb(sizes[LuaIsolation.State])} with a state per process (libraries + prelude + entry) " +
                     $"and {Kb(sizes[LuaIsolation.Shared])} in shared state mode (the whole state the process runs in, shared with the other processes of its host), before allocator overhead.");
        // Erlang/OTP: one fresh BEAM; erlang:memory(processes) is the BEAM's own count of process memory (heaps,
        // stacks, process control blocks), the counterpart of a GC heap; the resident set is read from /proc/self/statm.
        if (await Erlang.Run(heap, "memory", 0, 1, count) is [var erlHeap, var erlRss])
        {
            heap.Add(Erlang.RowName, Stats.Once(erlHeap), note: "erlang:memory(processes)");
            if (erlRss >= 0) ws.Add(Erlang.RowName, Stats.Once(erlRss), note: "resident set");
        }
        else ws.Notes.Add(heap.Notes[^1]);
        heap.Notes.Add($"The Lua rows' GC heap figures ({Harness.Format(lua[LuaIsolation.Shared].Heap.Stats.Median)} bytes shared state, " +
                       $"{Harness.Format(lua[LuaIsolation.State].Heap.Stats.Median)} bytes state per process) exclude Lua's own memory, which is allocated natively; see the working-set table.");
        return [heap, ws];
    }

    /// <summary>KB in use by Lua itself in a bare state with the standard libraries.</summary>
    private static double BareLuaHeapSize()
    {
        using var lua = new KeraLua.Lua();
        lua.OpenLibs();
        lua.DoString("collectgarbage(); collectgarbage(); return collectgarbage('count')");
        return lua.ToNumber(-1);
    }

    /// <summary>KB in use by Lua as seen from inside one of our processes of <paramref name="mode"/>.</summary>
    private static async Task<double> LuaHeapSize(LuaIsolation mode)
    {
        await using var rt = Systems.NewRuntime();
        rt.Entries.Add(LuaModes.Entry("bench:luacount", "return { main = function() collectgarbage(); collectgarbage(); return collectgarbage('count') end }", "luacount.lua", mode));
        var exit = await rt.Start("bench:luacount", Systems.Host).Unwrap().Exit;
        return exit.Error is null && exit.Result is double d ? d : double.NaN;
    }

    private static async Task<(double Heap, double Ws)> RunInChild(string system, int count, string[] extra)
    {
        var psi = new ProcessStartInfo { RedirectStandardOutput = true, UseShellExecute = false };
        var exe = Environment.ProcessPath!;
        psi.FileName = exe;
        if (Path.GetFileNameWithoutExtension(exe) == "dotnet") psi.ArgumentList.Add(typeof(Memory).Assembly.Location);
        foreach (var a in new[] { "--child", "mem", system, count.ToString(CultureInfo.InvariantCulture) }.Concat(extra)) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var output = await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("RESULT ", StringComparison.Ordinal))
                   ?? throw new InvalidOperationException($"child {system} failed (exit {p.ExitCode}): {output}");
        var parts = line.Split(' ');
        return (double.Parse(parts[1], CultureInfo.InvariantCulture), double.Parse(parts[2], CultureInfo.InvariantCulture));
    }

    // ======================= child side =======================
    public static async Task<int> RunChild(string[] args)
    {
        if (args[0] != "mem") throw new ArgumentException("unknown child scenario " + args[0]);
        string system = args[1];
        int count = int.Parse(args[2], CultureInfo.InvariantCulture);
        Func<int, Task> spawnIdle = system switch
        {
            "ours-cs" => OursCs(),
            "ours-lua" => OursLua(LuaModes.Parse(args.Length > 3 ? args[3] : "shared")),
            "akka" => AkkaIdleSystem(),
            "proto" => ProtoIdle(),
            _ => throw new ArgumentException(system),
        };
        await spawnIdle(Math.Min(1000, count)); // warm-up: code paths and lazily created structures
        var (heap0, ws0) = Snapshot();
        await spawnIdle(count);
        var (heap1, ws1) = Snapshot();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RESULT {(double)(heap1 - heap0) / count:0.0} {(double)(ws1 - ws0) / count:0.0}"));
        Console.Out.Flush();
        Environment.Exit(0); // the idle processes die with this process
        return 0;
    }

    private static (long Heap, long Ws) Snapshot()
    {
        for (int i = 0; i < 3; i++)
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }
        long heap = GC.GetTotalMemory(true);
        using var me = Process.GetCurrentProcess();
        me.Refresh();
        return (heap, me.WorkingSet64);
    }

    private static Func<int, Task> OursCs()
    {
        var rt = Systems.NewRuntime();
        var started = new Countdown();
        rt.Entries.Add("bench:idle", async ctx =>
        {
            var go = ctx.Listen<int>("go");
            started.Signal();
            return await go.ReceiveAsync();
        });
        return n =>
        {
            var t = started.Reset(n);
            for (int i = 0; i < n; i++) rt.Spawn("bench:idle", Systems.Host).Unwrap();
            return t;
        };
    }

    private static Func<int, Task> OursLua(LuaIsolation mode)
    {
        var rt = Systems.NewRuntime();
        rt.Entries.Add(LuaModes.Entry("bench:luaidle", LuaIdleSource, "luaidle.lua", mode));
        rt.Entries.Add("bench:collector", async ctx =>
        {
            int n = (int)ctx.Args[0]!;
            var up = ctx.Listen<long>("up");
            for (int i = 0; i < n; i++) await up.ReceiveAsync();
            return null;
        });
        return async n =>
        {
            // Up to n (100,000 in the full run) "up" messages may wait for it: more than the default mailbox limit allows.
            var collector = rt.Start(new SpawnOptions { MailboxLimit = int.MaxValue }, "bench:collector", Systems.Host, n).Unwrap();
            for (int i = 0; i < n; i++) rt.Spawn("bench:luaidle", Systems.Host, collector.Pid).Unwrap();
            var exit = await collector.Exit;
            if (exit.Error is not null) throw new InvalidOperationException(exit.Error);
        };
    }

    private sealed class AkkaIdle : UntypedActor
    {
        public static readonly Countdown Started = new();
        protected override void PreStart() => Started.Signal();
        protected override void OnReceive(object message) { }
    }

    private sealed class AkkaIdleParent : UntypedActor
    {
        private static readonly AkkaProps ChildProps = AkkaProps.Create<AkkaIdle>();
        protected override void OnReceive(object message)
        {
            if (message is int n) for (int i = 0; i < n; i++) Context.ActorOf(ChildProps);
        }
    }

    private static Func<int, Task> AkkaIdleSystem()
    {
        var system = Systems.NewAkka();
        return n =>
        {
            var t = AkkaIdle.Started.Reset(n);
            system.ActorOf(AkkaProps.Create<AkkaIdleParent>()).Tell(n);
            return t;
        };
    }

    private static Func<int, Task> ProtoIdle()
    {
        var system = Systems.NewProto();
        var started = new Countdown();
        var props = ProtoProps.FromFunc(c =>
        {
            if (c.Message is Started) started.Signal();
            return Task.CompletedTask;
        });
        return n =>
        {
            var t = started.Reset(n);
            for (int i = 0; i < n; i++) system.Root.Spawn(props);
            return t;
        };
    }
}
