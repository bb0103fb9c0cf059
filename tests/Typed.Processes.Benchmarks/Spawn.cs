using Akka.Actor;
using Proto;

namespace Typed.Processes.Benchmarks;

/// <summary>Scenario 2: spawn-and-exit rate, and the skynet tree.</summary>
public static class Spawn
{
    // ================= spawn and exit =================
    public static async Task<Table> SpawnExit(int count)
    {
        var table = new Table("Spawn and exit", "processes/s", Better.Higher,
            $"one parent spawns {count:N0} children that end at once; timed until the last child has run");
        table.Add("Typed.Processes (C#)", await OursSpawnExit(count), ours: true);
        table.Add("Akka.NET", await AkkaSpawnExit(count));
        table.Add("Proto.Actor", await ProtoSpawnExit(count));
        await Erlang.Add(table, "spawn", Harness.Warmups, Harness.Iterations, count);
        return table;
    }

    private static async Task<Stats> OursSpawnExit(int count)
    {
        await using var rt = Systems.NewRuntime();
        var done = new Countdown();
        rt.Entries.Add("bench:child", ctx => { done.Signal(); return ValueTask.FromResult<object?>(null); });
        rt.Entries.Add("bench:parent", ctx =>
        {
            int n = (int)ctx.Args[0]!;
            for (int i = 0; i < n; i++) ctx.Spawn("bench:child", Systems.Host).Unwrap();
            return ValueTask.FromResult<object?>(null);
        });
        return await Harness.Measure(async () => count / await Harness.Time(async () =>
        {
            var t = done.Reset(count);
            rt.Spawn("bench:parent", Systems.Host, count).Unwrap();
            await t;
        }));
    }

    private sealed record AkkaSpawnMany(int Count, Countdown Done);

    private sealed class AkkaExitChild : UntypedActor
    {
        public static readonly Countdown Done = new();
        protected override void PreStart() { Done.Signal(); Context.Stop(Self); }
        protected override void OnReceive(object message) { }
    }

    private sealed class AkkaSpawner : UntypedActor
    {
        private static readonly AkkaProps ChildProps = AkkaProps.Create<AkkaExitChild>();
        protected override void OnReceive(object message)
        {
            if (message is int n) for (int i = 0; i < n; i++) Context.ActorOf(ChildProps);
        }
    }

    private static async Task<Stats> AkkaSpawnExit(int count)
    {
        using var system = Systems.NewAkka();
        var spawner = system.ActorOf(AkkaProps.Create<AkkaSpawner>());
        var stats = await Harness.Measure(async () => count / await Harness.Time(async () =>
        {
            var t = AkkaExitChild.Done.Reset(count);
            spawner.Tell(count);
            await t;
        }));
        await system.Terminate();
        return stats;
    }

    private sealed class ProtoSpawner(Countdown done) : IActor
    {
        private readonly ProtoProps _child = ProtoProps.FromFunc(c =>
        {
            if (c.Message is Started) { done.Signal(); c.Stop(c.Self); }
            return Task.CompletedTask;
        });

        public Task ReceiveAsync(IContext context)
        {
            if (context.Message is int n) for (int i = 0; i < n; i++) context.Spawn(_child);
            return Task.CompletedTask;
        }
    }

    private static async Task<Stats> ProtoSpawnExit(int count)
    {
        var system = Systems.NewProto();
        var done = new Countdown();
        var spawner = system.Root.Spawn(ProtoProps.FromProducer(() => new ProtoSpawner(done)));
        var stats = await Harness.Measure(async () => count / await Harness.Time(async () =>
        {
            var t = done.Reset(count);
            system.Root.Send(spawner, count);
            await t;
        }));
        await system.ShutdownAsync();
        return stats;
    }

    // ================= skynet =================
    public static async Task<Table> Skynet(int leaves, int iterations, int warmups)
    {
        long expected = (long)leaves * (leaves - 1) / 2;
        var table = new Table($"Skynet ({leaves:N0} leaves)", "ms", Better.Lower,
            $"the skynet tree: each process spawns 10 children down to {leaves:N0} leaves ({TreeSize(leaves):N0} processes in all), " +
            "each leaf replies its number, each parent replies the sum of its children");
        var ours = table.Add("Typed.Processes (C#)", await OursSkynet(leaves, expected, iterations, warmups), ours: true);
        var akka = table.Add("Akka.NET", await RunAkkaSkynet(leaves, expected, iterations, warmups));
        var proto = table.Add("Proto.Actor", await RunProtoSkynet(leaves, expected, iterations, warmups));
        await Erlang.Add(table, "skynet", warmups, iterations, leaves);
        table.Targets.Add(Report.Target("faster than Akka.NET", table.Ratio(ours, akka), 1.0));
        table.Targets.Add(Report.Target("faster than Proto.Actor", table.Ratio(ours, proto), 1.0));
        return table;
    }

    private static long TreeSize(long leaves) => leaves == 1 ? 1 : 1 + 10 * TreeSize(leaves / 10);

    private static void Check(long got, long expected)
    {
        if (got != expected) throw new InvalidOperationException($"skynet sum {got}, expected {expected}");
    }

    private static async Task<Stats> OursSkynet(int leaves, long expected, int iterations, int warmups)
    {
        await using var rt = Systems.NewRuntime();
        rt.Entries.Add("bench:skynet", async ctx =>
        {
            var parent = (Pid)ctx.Args[0]!;
            long num = (long)ctx.Args[1]!, size = (long)ctx.Args[2]!;
            if (size == 1)
            {
                ctx.Send(parent, "r", num);
                return null;
            }
            var replies = ctx.Listen<long>("r");
            long sub = size / 10, sum = 0;
            for (int i = 0; i < 10; i++) ctx.Spawn("bench:skynet", Systems.Host, ctx.Self, num + i * sub, sub).Unwrap();
            for (int i = 0; i < 10; i++) sum += await replies.ReceiveAsync();
            ctx.Send(parent, "r", sum);
            return null;
        });
        rt.Entries.Add("bench:skynet-root", async ctx =>
        {
            ctx.Spawn("bench:skynet", Systems.Host, ctx.Self, 0L, (long)ctx.Args[0]!).Unwrap();
            return await ctx.Listen<long>("r").ReceiveAsync();
        });
        return await Harness.Measure(async () => 1000 * await Harness.Time(async () =>
        {
            var exit = await rt.Start("bench:skynet-root", Systems.Host, (long)leaves).Unwrap().Exit;
            if (exit.Error is not null) throw new InvalidOperationException(exit.Error);
            Check((long)exit.Result!, expected);
        }), iterations, warmups);
    }

    private sealed record AkkaSkynetStart(long Num, long Size, TaskCompletionSource<long>? Done);

    private sealed class AkkaSkynet : UntypedActor
    {
        private static readonly AkkaProps SelfProps = AkkaProps.Create<AkkaSkynet>();
        private IActorRef? _parent;
        private TaskCompletionSource<long>? _done;
        private long _sum;
        private int _left;

        protected override void OnReceive(object message)
        {
            switch (message)
            {
                case AkkaSkynetStart s when s.Size == 1:
                    Reply(s.Num, Sender, s.Done);
                    break;
                case AkkaSkynetStart s:
                    (_parent, _done, _left) = (Sender, s.Done, 10);
                    long sub = s.Size / 10;
                    for (int i = 0; i < 10; i++) Context.ActorOf(SelfProps).Tell(new AkkaSkynetStart(s.Num + i * sub, sub, null), Self);
                    break;
                case long v:
                    _sum += v;
                    if (--_left == 0) Reply(_sum, _parent!, _done);
                    break;
            }
        }

        private void Reply(long value, IActorRef parent, TaskCompletionSource<long>? done)
        {
            if (done is not null) done.SetResult(value);
            else parent.Tell(value, ActorRefs.NoSender);
            Context.Stop(Self);
        }
    }

    private static async Task<Stats> RunAkkaSkynet(int leaves, long expected, int iterations, int warmups)
    {
        using var system = Systems.NewAkka();
        var stats = await Harness.Measure(async () => 1000 * await Harness.Time(async () =>
        {
            var done = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            system.ActorOf(AkkaProps.Create<AkkaSkynet>()).Tell(new AkkaSkynetStart(0, leaves, done));
            Check(await done.Task, expected);
        }), iterations, warmups);
        await system.Terminate();
        return stats;
    }

    private sealed record ProtoSkynetStart(PID? Parent, long Num, long Size, TaskCompletionSource<long>? Done);

    private sealed class ProtoSkynet : IActor
    {
        public static readonly ProtoProps SelfProps = ProtoProps.FromProducer(() => new ProtoSkynet());
        private PID? _parent;
        private TaskCompletionSource<long>? _done;
        private long _sum;
        private int _left;

        public Task ReceiveAsync(IContext c)
        {
            switch (c.Message)
            {
                case ProtoSkynetStart s when s.Size == 1:
                    Reply(c, s.Num, s.Parent, s.Done);
                    break;
                case ProtoSkynetStart s:
                    (_parent, _done, _left) = (s.Parent, s.Done, 10);
                    long sub = s.Size / 10;
                    for (int i = 0; i < 10; i++) c.Send(c.Spawn(SelfProps), new ProtoSkynetStart(c.Self, s.Num + i * sub, sub, null));
                    break;
                case long v:
                    _sum += v;
                    if (--_left == 0) Reply(c, _sum, _parent, _done);
                    break;
            }
            return Task.CompletedTask;
        }

        private static void Reply(IContext c, long value, PID? parent, TaskCompletionSource<long>? done)
        {
            if (done is not null) done.SetResult(value);
            else c.Send(parent!, value);
            c.Stop(c.Self);
        }
    }

    private static async Task<Stats> RunProtoSkynet(int leaves, long expected, int iterations, int warmups)
    {
        var system = Systems.NewProto();
        var stats = await Harness.Measure(async () => 1000 * await Harness.Time(async () =>
        {
            var done = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            system.Root.Send(system.Root.Spawn(ProtoSkynet.SelfProps), new ProtoSkynetStart(null, 0, leaves, done));
            Check(await done.Task, expected);
        }), iterations, warmups);
        await system.ShutdownAsync();
        return stats;
    }
}
