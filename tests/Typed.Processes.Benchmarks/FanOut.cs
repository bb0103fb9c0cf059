using Akka.Actor;
using Proto;
using Typed.Processes.Lua;

namespace Typed.Processes.Benchmarks;

/// <summary>Scenario 5: one process sends to N workers and collects their replies (one round = N requests + N replies).</summary>
public static class FanOut
{
    private const string LuaWorkerSource = """
        return { main = function(coord)
          local req = process.listen("req")
          while true do
            local v = req:receive()
            process.send(coord, "rep", v)
          end
        end }
        """;

    private const string LuaCoordSource = """
        return { main = function(n, notifier)
          local me = process.pid()
          local workers = {}
          for i = 1, n do workers[i] = assert(process.spawn("bench:luaworker", "bench:processes", me)) end
          local go = process.listen("go")
          local rep = process.listen("rep")
          process.send(notifier, "done", 1)
          while true do
            go:receive()
            for i = 1, n do process.send(workers[i], "req", i) end
            for i = 1, n do rep:receive() end
            process.send(notifier, "done", 1)
          end
        end }
        """;

    public static async Task<Table> Run(int workers, int luaWorkers)
    {
        var table = new Table($"Fan-out/fan-in", "ms per round", Better.Lower,
            $"one coordinator sends one message to each of {workers:N0} workers and collects their {workers:N0} replies " +
            $"(Lua: {luaWorkers:N0}, coordinator and workers all Lua processes of one isolation mode, a fresh runtime per mode); " +
            "workers are spawned before timing");
        var cs = table.Add("Typed.Processes (C#)", await Ours(workers), ours: true);
        var lua = new Dictionary<LuaIsolation, Row>();
        foreach (var mode in LuaModes.All)
            lua[mode] = table.Add(LuaModes.RowName(mode), await OursLua(luaWorkers, mode), ours: true,
                note: luaWorkers == workers ? null : $"{luaWorkers:N0} workers");
        var akka = table.Add("Akka.NET", await Akka(workers));
        var proto = table.Add("Proto.Actor", await Proto(workers));
        await Erlang.Add(table, "fanout", RoundWarmups, RoundIterations, workers);
        // Within 2x of C#: the C# round time ÷ the Lua one (the table's ratio of Lua against the C# row) at least 0.5.
        string within = luaWorkers == workers ? "" : $" ({luaWorkers:N0} Lua workers against {workers:N0} C# ones)";
        table.Targets.Add(Report.Target($"Lua fan-out, shared state, within 2x of the C# fan-out (C# time ÷ Lua time ≥ 0.5){within}",
            table.Ratio(lua[LuaIsolation.Shared], cs), 0.5, LuaModes.Beside(LuaModes.Ratio(table.Ratio(lua[LuaIsolation.State], cs)))));
        return table;
    }

    private static async Task<Stats> Ours(int n)
    {
        await using var rt = Systems.NewRuntime();
        var round = new Countdown();
        rt.Entries.Add("bench:worker", async ctx =>
        {
            var coord = (Pid)ctx.Args[0]!;
            var req = ctx.Listen<int>("req");
            while (true) ctx.Send(coord, "rep", await req.ReceiveAsync());
        });
        rt.Entries.Add("bench:coord", async ctx =>
        {
            var workers = new Pid[n];
            for (int i = 0; i < n; i++) workers[i] = ctx.Spawn("bench:worker", Systems.Host, ctx.Self).Unwrap();
            var go = ctx.Listen<int>("go");
            var rep = ctx.Listen<int>("rep");
            round.Signal();
            while (true)
            {
                await go.ReceiveAsync();
                for (int i = 0; i < n; i++) ctx.Send(workers[i], "req", i);
                for (int i = 0; i < n; i++) await rep.ReceiveAsync();
                round.Signal();
            }
        });
        var ready = round.Reset(1);
        var coord = rt.Spawn("bench:coord", Systems.Host).Unwrap();
        await ready;
        return await Rounds(() => rt.Send(coord, "go", 1).ThrowIfFailed(), round);
    }

    private static async Task<Stats> OursLua(int n, LuaIsolation mode)
    {
        await using var rt = Systems.NewRuntime();
        var round = new Countdown();
        rt.Entries.Add(LuaModes.Entry("bench:luaworker", LuaWorkerSource, "luaworker.lua", mode));
        rt.Entries.Add(LuaModes.Entry("bench:luacoord", LuaCoordSource, "luacoord.lua", mode));
        rt.Entries.Add("bench:notifier", async ctx =>
        {
            var done = ctx.Listen<long>("done");
            while (true)
            {
                await done.ReceiveAsync();
                round.Signal();
            }
        });
        var notifier = rt.Spawn("bench:notifier", Systems.Host).Unwrap();
        var ready = round.Reset(1);
        var coord = rt.Spawn("bench:luacoord", Systems.Host, (long)n, notifier).Unwrap();
        await ready;
        return await Rounds(() => rt.Send(coord, "go", 1).ThrowIfFailed(), round);
    }

    private static int RoundIterations => Harness.Quick ? 5 : 15;
    private const int RoundWarmups = 2;

    private static Task<Stats> Rounds(Action go, Countdown round) =>
        Harness.Measure(async () => 1000 * await Harness.Time(async () =>
        {
            var t = round.Reset(1);
            go();
            await t;
        }), RoundIterations, RoundWarmups);

    // ---- Akka.NET ----
    private sealed record AkkaInit(int Count, Countdown Round);

    private sealed class AkkaWorker : UntypedActor
    {
        protected override void OnReceive(object message) => Context.Parent.Tell(message, ActorRefs.NoSender);
    }

    private sealed class AkkaCoord : UntypedActor
    {
        private IActorRef[] _workers = [];
        private Countdown? _round;
        private int _left;

        protected override void OnReceive(object message)
        {
            switch (message)
            {
                case AkkaInit init:
                    var props = AkkaProps.Create<AkkaWorker>();
                    _workers = new IActorRef[init.Count];
                    for (int i = 0; i < _workers.Length; i++) _workers[i] = Context.ActorOf(props);
                    _round = init.Round;
                    _round.Signal();
                    break;
                case string:
                    _left = _workers.Length;
                    for (int i = 0; i < _workers.Length; i++) _workers[i].Tell(i, Self);
                    break;
                case int:
                    if (--_left == 0) _round!.Signal();
                    break;
            }
        }
    }

    private static async Task<Stats> Akka(int n)
    {
        using var system = Systems.NewAkka();
        var round = new Countdown();
        var coord = system.ActorOf(AkkaProps.Create<AkkaCoord>());
        var ready = round.Reset(1);
        coord.Tell(new AkkaInit(n, round));
        await ready;
        var stats = await Rounds(() => coord.Tell("go"), round);
        await system.Terminate();
        return stats;
    }

    // ---- Proto.Actor ----
    private sealed class ProtoCoord(int count, Countdown round) : IActor
    {
        private static readonly ProtoProps WorkerProps = ProtoProps.FromFunc(c =>
        {
            if (c.Message is int) c.Send(c.Parent!, c.Message);
            return Task.CompletedTask;
        });
        private PID[] _workers = [];
        private int _left;

        public Task ReceiveAsync(IContext c)
        {
            switch (c.Message)
            {
                case Started:
                    _workers = new PID[count];
                    for (int i = 0; i < count; i++) _workers[i] = c.Spawn(WorkerProps);
                    round.Signal();
                    break;
                case string:
                    _left = _workers.Length;
                    for (int i = 0; i < _workers.Length; i++) c.Send(_workers[i], i);
                    break;
                case int:
                    if (--_left == 0) round.Signal();
                    break;
            }
            return Task.CompletedTask;
        }
    }

    private static async Task<Stats> Proto(int n)
    {
        var system = Systems.NewProto();
        var round = new Countdown();
        var ready = round.Reset(1);
        var coord = system.Root.Spawn(ProtoProps.FromProducer(() => new ProtoCoord(n, round)));
        await ready;
        var stats = await Rounds(() => system.Root.Send(coord, "go"), round);
        await system.ShutdownAsync();
        return stats;
    }
}
