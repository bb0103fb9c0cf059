using Typed.Processes;

namespace Typed.Processes.EndToEnd;

/// <summary>[Supervisor] classes end to end: generated spec, registration, typed start, nesting and escalation.</summary>
public sealed class SupervisorClassTests : IAsyncLifetime
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);
    private readonly ProcessRuntime _runtime = new();

    public ValueTask InitializeAsync()
    {
        _runtime.AddGeneratedEntries();
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync() => await _runtime.DisposeAsync();

    private static async Task<string> Next() => await Counter.Log.Reader.ReadAsync().AsTask().WaitAsync(Guard);

    private async Task<IReadOnlyList<ChildInfo>> Children(Pid supervisor)
    {
        var children = await _runtime.Supervisor(supervisor).WhichChildrenAsync().AsTask().WaitAsync(Guard);
        Assert.True(children.Ok, children.Error);
        return children.Value;
    }

    [Fact]
    public async Task A_supervisor_class_starts_its_typed_children_in_order_and_a_nested_one_escalates_to_it()
    {
        while (Counter.Log.Reader.TryRead(out _)) { }
        var spec = RootSupervisor.Spec();
        Assert.Equal((RestartStrategy.OneForOne, 3, TimeSpan.FromMinutes(1)), (spec.Strategy, spec.MaxRestarts, spec.Period));
        Assert.Equal(["top", "inner"], spec.Children.Select(c => c.Id));
        Assert.Equal([0L, "top"], spec.Children[0].Args);
        Assert.True(_runtime.Entries.TryGet(InnerSupervisor.EntryReference, out var inner) && inner is SupervisorEntry);

        var started = await RootSupervisor.StartAsync(_runtime, ProcessReferences.Hosts.AppE2e).WaitAsync(Guard);
        Assert.True(started.Ok, started.Error);
        var root = started.Value;
        var seen = new[] { await Next(), await Next(), await Next() };
        Assert.Equal("start top 0", seen[0]); // the root's first child, before the nested supervisor
        Assert.Equal(["start one 1", "start two 2"], seen.Skip(1).Order(StringComparer.Ordinal));

        var children = await Children(root.Pid);
        Assert.Equal([("top", false), ("inner", true)], children.Select(c => (c.Id, c.IsSupervisor)));
        var innerPid = children[1].Pid!;
        var c1 = (await Children(innerPid))[0].Pid!;
        var innerExit = _runtime.WaitForExitAsync(innerPid);
        Assert.True(_runtime.Send(c1, "crash", null).Ok);
        Assert.Contains("reached its restart intensity (0 restart(s)", (await innerExit.WaitAsync(Guard)).Error);
        Assert.Equal(["start one 1", "start two 2"], new[] { await Next(), await Next() }.Order(StringComparer.Ordinal));
        Assert.NotEqual(innerPid, (await Children(root.Pid))[1].Pid);

        Assert.True(_runtime.Cancel(root.Pid).Ok);
        Assert.Null((await root.Exit.WaitAsync(Guard)).Error);
        Assert.Equal(0, _runtime.ProcessCount);
    }
}
