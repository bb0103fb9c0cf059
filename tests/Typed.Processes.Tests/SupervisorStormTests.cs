namespace Typed.Processes.Tests;

/// <summary>
/// A crash storm: a two-level tree (one sub-supervisor per strategy, three workers each) whose workers fail at
/// random (seeded: crashes and operator terminations) one after another. A model counts the restarts; the tree must
/// recover or escalate exactly when the model says, and leave no process behind.
/// </summary>
public sealed class SupervisorStormTests : RuntimeTest
{
    private const int SubMaxRestarts = 2;
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);
    private readonly SupervisorKit _kit = new();

    private ChildSpec Worker(string id)
    {
        Runtime.Entries.Add("test:" + id, _kit.Worker(id));
        return new ChildSpec(id, "test:" + id, Host);
    }

    private async Task<IReadOnlyList<ChildInfo>> Children(Pid supervisor)
    {
        var children = await Runtime.Supervisor(supervisor).WhichChildrenAsync().AsTask().WaitAsync(Guard);
        Assert.True(children.Ok, children.Error);
        return children.Value;
    }

    [Theory]
    [InlineData(1, 2)]
    [InlineData(2, 4)]
    [InlineData(3, 1000)]
    [InlineData(4, 1000)]
    public async Task The_tree_recovers_or_escalates_exactly_as_specified(int seed, int topMaxRestarts)
    {
        var strategies = new[] { RestartStrategy.OneForOne, RestartStrategy.OneForAll, RestartStrategy.RestForOne };
        var subs = strategies.Select((strategy, i) => ChildSpec.Supervisor($"sub{i}", new SupervisorSpec
        {
            Strategy = strategy, MaxRestarts = SubMaxRestarts, Period = Hour,
            Children = [Worker($"w{i}a"), Worker($"w{i}b"), Worker($"w{i}c")],
        }, Host)).ToArray();
        var started = await Runtime.StartSupervisorAsync(new SupervisorSpec { MaxRestarts = topMaxRestarts, Period = Hour, Children = subs }, Host).WaitAsync(Guard);
        Assert.True(started.Ok, started.Error);
        var top = started.Value;

        var random = new Random(seed);
        var subRestarts = new int[subs.Length];
        int topRestarts = 0, step = 0;
        bool escalated = false;
        for (; step < 60; step++)
        {
            var topChildren = await Children(top.Pid);
            int s = random.Next(subs.Length);
            var sub = topChildren[s].Pid!;
            var workers = await Children(sub);
            Assert.All(workers, w => Assert.NotNull(w.Pid)); // settled: everything runs
            var victim = workers[random.Next(workers.Count)].Pid!;
            var victimExit = Runtime.WaitForExitAsync(victim);
            var subExit = Runtime.WaitForExitAsync(sub);
            if (random.Next(2) == 0) Assert.True(Runtime.Send(victim, "crash", null).Ok);
            else Assert.True(Runtime.Terminate(victim).Ok);
            Assert.NotNull((await victimExit.WaitAsync(Guard)).Error);

            if (++subRestarts[s] <= SubMaxRestarts) continue; // the sub restarts it (checked at the next step)
            Assert.Contains("reached its restart intensity", (await subExit.WaitAsync(Guard)).Error);
            subRestarts[s] = 0;
            if (++topRestarts <= topMaxRestarts) continue; // the top restarts the sub
            escalated = true;
            break;
        }

        if (escalated)
        {
            var exit = await top.Exit.WaitAsync(Guard);
            Assert.Contains($"reached its restart intensity ({topMaxRestarts} restart(s)", exit.Error);
        }
        else
        {
            Assert.True(Runtime.IsAlive(top.Pid), "the top supervisor ended though the model says it recovers");
            foreach (var sub in await Children(top.Pid))
                Assert.All(await Children(sub.Pid!), w => Assert.True(Runtime.IsAlive(w.Pid!)));
            Assert.Equal(1 + 3 + 9, Runtime.ProcessCount);
            Assert.True(Runtime.Cancel(top.Pid).Ok);
            Assert.Null((await top.Exit.WaitAsync(Guard)).Error);
        }
        Assert.Equal(0, Runtime.ProcessCount);
        // The seeds cover both outcomes.
        Assert.Equal(topMaxRestarts < 1000, escalated);
    }
}
