using System.Threading.Channels;
using Akka.Actor;
using Proto;

namespace Typed.Processes.Benchmarks;

/// <summary>Scenario 1: ping-pong round trips between pairs of C# processes / actors / tasks.</summary>
public static class PingPong
{
    private static readonly Dictionary<string, double> Alloc = new();

    public static async Task<Table> Run(int pairs, int roundTripsPerPair)
    {
        var table = new Table($"Ping-pong, {pairs} pair{(pairs == 1 ? "" : "s")}", "round trips/s", Better.Higher,
            $"{pairs} pair(s) x {roundTripsPerPair:N0} round trips (one message each way), int payload");
        long total = (long)pairs * roundTripsPerPair;

        var ours = table.Add("Typed.Processes (C#)", await Ours(pairs, roundTripsPerPair, total), ours: true);
        if (Environment.GetEnvironmentVariable("BENCH_OURS_ONLY") == "1") return table; // profiling aid
        var akka = table.Add("Akka.NET", await Akka(pairs, roundTripsPerPair, total));
        var proto = table.Add("Proto.Actor", await Proto(pairs, roundTripsPerPair, total));
        await Erlang.Add(table, "pingpong", Harness.Warmups, Harness.Iterations, pairs, roundTripsPerPair);
        var chan = table.Add("System.Threading.Channels (limit)", await Channels(pairs, roundTripsPerPair, total), limit: true);
        table.Notes.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"Allocated bytes per round trip (all threads, one extra run): ours {Alloc["ours"]:0}, Akka.NET {Alloc["akka"]:0}, Proto.Actor {Alloc["proto"]:0}, channels {Alloc["chan"]:0}."));
        Console.WriteLine("  " + table.Notes[^1]);
        table.Targets.Add(Report.Target("vs Akka.NET", table.Ratio(ours, akka), 1.5));
        table.Targets.Add(Report.Target("vs Proto.Actor", table.Ratio(ours, proto), 1.0));
        table.Targets.Add(Report.Target("vs bare channels", table.Ratio(ours, chan), 0.5));
        return table;
    }

    // ---- Typed.Processes ----
    /// <summary>Our C# ping-pong; the Lua echo table measures it too (1 pair, no allocation run) as its reference.</summary>
    public static async Task<Stats> Ours(int pairs, int n, long total, bool allocations = true)
    {
        await using var rt = Systems.NewRuntime();
        rt.Entries.Add("bench:ponger", async ctx =>
        {
            var pinger = (Pid)ctx.Args[0]!;
            int count = (int)ctx.Args[1]!;
            var pings = ctx.Listen<int>("ping");
            for (int i = 0; i < count; i++) ctx.Send(pinger, "pong", await pings.ReceiveAsync());
            return null;
        });
        rt.Entries.Add("bench:pinger", async ctx =>
        {
            int count = (int)ctx.Args[0]!;
            var ponger = ctx.Spawn("bench:ponger", Systems.Host, ctx.Self, count).Unwrap();
            var pongs = ctx.Listen<int>("pong");
            for (int i = 0; i < count; i++)
            {
                ctx.Send(ponger, "ping", i);
                await pongs.ReceiveAsync();
            }
            return null;
        });
        async Task Once()
        {
            var exits = new Task<ProcessEvent>[pairs];
            for (int p = 0; p < pairs; p++) exits[p] = rt.Start("bench:pinger", Systems.Host, n).Unwrap().Exit;
            foreach (var e in await Task.WhenAll(exits))
                if (e.Error is not null) throw new InvalidOperationException(e.Error);
        }
        var stats = await Harness.Measure(async () => total / await Harness.Time(Once));
        if (allocations) Alloc["ours"] = await Harness.Allocations(Once, total);
        return stats;
    }

    // ---- Akka.NET ----
    private sealed record AkkaStart(IActorRef Ponger, int Count, Countdown Done);

    private sealed class AkkaPonger : UntypedActor
    {
        protected override void OnReceive(object message) => Sender.Tell(message, Self);
    }

    private sealed class AkkaPinger : UntypedActor
    {
        private IActorRef? _ponger;
        private int _left;
        private Countdown? _done;

        protected override void OnReceive(object message)
        {
            if (message is AkkaStart s)
            {
                (_ponger, _left, _done) = (s.Ponger, s.Count, s.Done);
                _ponger.Tell(0, Self);
            }
            else if (message is int i)
            {
                if (--_left == 0) _done!.Signal();
                else _ponger!.Tell(i + 1, Self);
            }
        }
    }

    private static async Task<Stats> Akka(int pairs, int n, long total)
    {
        using var system = Systems.NewAkka();
        var done = new Countdown();
        var pingers = new IActorRef[pairs];
        var pongers = new IActorRef[pairs];
        for (int p = 0; p < pairs; p++)
        {
            pingers[p] = system.ActorOf(AkkaProps.Create<AkkaPinger>());
            pongers[p] = system.ActorOf(AkkaProps.Create<AkkaPonger>());
        }
        async Task Once()
        {
            var t = done.Reset(pairs);
            for (int p = 0; p < pairs; p++) pingers[p].Tell(new AkkaStart(pongers[p], n, done));
            await t;
        }
        var stats = await Harness.Measure(async () => total / await Harness.Time(Once));
        Alloc["akka"] = await Harness.Allocations(Once, total);
        await system.Terminate();
        return stats;
    }

    // ---- Proto.Actor ----
    private sealed record ProtoStart(PID Ponger, int Count, Countdown Done);
    private sealed record ProtoPing(PID From, int Value);

    private sealed class ProtoPonger : IActor
    {
        public Task ReceiveAsync(IContext context)
        {
            if (context.Message is ProtoPing ping) context.Send(ping.From, ping.Value);
            return Task.CompletedTask;
        }
    }

    private sealed class ProtoPinger : IActor
    {
        private PID? _ponger;
        private int _left;
        private Countdown? _done;

        public Task ReceiveAsync(IContext context)
        {
            switch (context.Message)
            {
                case ProtoStart s:
                    (_ponger, _left, _done) = (s.Ponger, s.Count, s.Done);
                    context.Send(_ponger, new ProtoPing(context.Self, 0));
                    break;
                case int i:
                    if (--_left == 0) _done!.Signal();
                    else context.Send(_ponger!, new ProtoPing(context.Self, i + 1));
                    break;
            }
            return Task.CompletedTask;
        }
    }

    private static async Task<Stats> Proto(int pairs, int n, long total)
    {
        var system = Systems.NewProto();
        var done = new Countdown();
        var pingers = new PID[pairs];
        var pongers = new PID[pairs];
        for (int p = 0; p < pairs; p++)
        {
            pingers[p] = system.Root.Spawn(ProtoProps.FromProducer(() => new ProtoPinger()));
            pongers[p] = system.Root.Spawn(ProtoProps.FromProducer(() => new ProtoPonger()));
        }
        async Task Once()
        {
            var t = done.Reset(pairs);
            for (int p = 0; p < pairs; p++) system.Root.Send(pingers[p], new ProtoStart(pongers[p], n, done));
            await t;
        }
        var stats = await Harness.Measure(async () => total / await Harness.Time(Once));
        Alloc["proto"] = await Harness.Allocations(Once, total);
        await system.ShutdownAsync();
        return stats;
    }

    // ---- bare System.Threading.Channels ----
    private static async Task<Stats> Channels(int pairs, int n, long total)
    {
        static Channel<int> New() => Channel.CreateUnbounded<int>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

        static async Task Pinger(ChannelWriter<int> ping, ChannelReader<int> pong, int count)
        {
            for (int i = 0; i < count; i++)
            {
                ping.TryWrite(i);
                await pong.ReadAsync();
            }
        }

        static async Task Ponger(ChannelReader<int> ping, ChannelWriter<int> pong, int count)
        {
            for (int i = 0; i < count; i++) pong.TryWrite(await ping.ReadAsync());
        }

        async Task Once()
        {
            var tasks = new List<Task>();
            for (int p = 0; p < pairs; p++)
            {
                var (a, b) = (New(), New());
                tasks.Add(Task.Run(() => Ponger(a.Reader, b.Writer, n)));
                tasks.Add(Task.Run(() => Pinger(a.Writer, b.Reader, n)));
            }
            await Task.WhenAll(tasks);
        }
        var stats = await Harness.Measure(async () => total / await Harness.Time(Once));
        Alloc["chan"] = await Harness.Allocations(Once, total);
        return stats;
    }
}
