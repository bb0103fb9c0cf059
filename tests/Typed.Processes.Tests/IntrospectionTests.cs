namespace Typed.Processes.Tests;

/// <summary><see cref="ProcessRuntime.Inspect"/>: hosts, process states, mailbox and counters, relations, supervisors.</summary>
public sealed class IntrospectionTests : RuntimeTest
{
    private readonly SupervisorKit _kit = new();

    /// <summary>Takes snapshots until one satisfies <paramref name="done"/> (the processes run on their own; the guard
    /// only bounds a failure).</summary>
    private async Task<RuntimeSnapshot> Until(Func<RuntimeSnapshot, bool> done)
    {
        var deadline = DateTime.UtcNow + Guard;
        while (true)
        {
            var snapshot = Runtime.Inspect();
            if (done(snapshot)) return snapshot;
            Assert.True(DateTime.UtcNow < deadline, "no snapshot satisfied the condition in time");
            await Task.Delay(5);
        }
    }

    private static ProcessSnapshot Of(RuntimeSnapshot s, Pid pid) => Assert.Single(s.Processes, p => p.Pid == pid);

    private static ProcessSnapshot? Find(RuntimeSnapshot s, Pid pid) => s.Processes.FirstOrDefault(p => p.Pid == pid);

    [Fact]
    public async Task Hosts_are_listed_with_their_workers()
    {
        Runtime.Hosts.Add("app:other", workers: 3);
        var s = Runtime.Inspect();
        Assert.Equal(["app:other", Host], s.Hosts.Select(h => h.Reference));
        Assert.Equal([3, 2], s.Hosts.Select(h => h.Workers));
        Assert.Empty(s.Processes);
        await Task.CompletedTask;
    }

    [Fact]
    public async Task A_process_shows_its_parent_links_monitors_and_registered_names()
    {
        var ready = new TaskCompletionSource<(Pid Linked, Pid Monitored)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var child = Entry(async ctx =>
        {
            if (ctx.Args.Count > 0) Assert.True(ctx.Register((string)ctx.Args[0]!).Ok);
            return await ctx.Listen("never").ReceiveAsync();
        });
        var parent = Entry(async ctx =>
        {
            var linked = ctx.SpawnLinked(child, Host, "the-worker").Value;
            var monitored = ctx.SpawnMonitored(child, Host).Value;
            ready.SetResult((linked, monitored));
            return await ctx.Listen("never").ReceiveAsync();
        });
        var p = Runtime.Spawn(parent, Host).Value;
        var (linked, monitored) = await ready.Task.WaitAsync(Guard);
        var s = await Until(s => Find(s, linked)?.RegisteredNames.Count == 1);
        var ps = Of(s, p);
        Assert.Null(ps.Parent);
        Assert.Equal([linked], ps.Links);
        Assert.Equal([monitored], ps.Monitors);
        Assert.Equal(parent, ps.Entry);
        Assert.Equal(Host, ps.Host);
        Assert.False(ps.IsSupervisor);
        Assert.Null(ps.MemoryBytes); // C#: not accounted
        var ls = Of(s, linked);
        Assert.Equal(p, ls.Parent);
        Assert.Equal([p], ls.Links);
        Assert.Equal(["the-worker"], ls.RegisteredNames);
        var ms = Of(s, monitored);
        Assert.Equal(p, ms.Parent);
        Assert.Empty(ms.Links);
        Assert.Empty(ms.Monitors);
        Assert.Equal([p.Id, linked.Id, monitored.Id], s.Processes.Select(x => x.Pid.Id));
    }

    [Fact]
    public async Task Mailbox_length_counts_waiting_messages_and_the_received_count_counts_taken_ones()
    {
        var took = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var pid = Runtime.Spawn(Entry(async ctx =>
        {
            var take = ctx.Listen("take");
            await take.ReceiveAsync();
            await take.ReceiveAsync();
            took.SetResult();
            return await ctx.Listen("never").ReceiveAsync();
        }), Host).Value;
        for (int i = 0; i < 5; i++) Assert.True(Runtime.Send(pid, "hold", i).Ok);
        Assert.True(Runtime.Send(pid, "take", 1).Ok);
        Assert.True(Runtime.Send(pid, "take", 2).Ok);
        await took.Task.WaitAsync(Guard);
        var s = await Until(s => Of(s, pid).State == ProcessState.Waiting);
        var ps = Of(s, pid);
        Assert.Equal(5, ps.MailboxLength);
        Assert.Equal(2, ps.MessagesReceived);
        Assert.True(ps.Reductions >= 1, $"reductions {ps.Reductions}");
    }

    [Fact]
    public async Task Reductions_grow_with_each_resumption_after_a_wait()
    {
        var step = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var pid = Runtime.Spawn(Entry(async ctx =>
        {
            var go = ctx.Listen("go");
            while (true)
            {
                await go.ReceiveAsync();
                step.TrySetResult();
            }
        }), Host).Value;
        var before = (await Until(s => Of(s, pid).State == ProcessState.Waiting)).Processes.Single(p => p.Pid == pid).Reductions;
        Assert.True(before >= 1);
        Assert.True(Runtime.Send(pid, "go", 1).Ok);
        await step.Task.WaitAsync(Guard);
        var after = Of(await Until(s => Of(s, pid).State == ProcessState.Waiting), pid).Reductions;
        Assert.True(after > before, $"{before} -> {after}");
    }

    [Fact]
    public async Task A_process_on_a_worker_is_running_and_one_behind_it_on_a_busy_host_is_runnable()
    {
        Runtime.Hosts.Add("app:single", workers: 1);
        var spinning = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new ManualResetEventSlim();
        var spinner = Runtime.Spawn(Entry(ctx =>
        {
            spinning.SetResult();
            release.Wait(Guard); // holds the only worker (synchronously) until released
            return ValueTask.FromResult<object?>(null);
        }), "app:single").Value;
        try
        {
            await spinning.Task.WaitAsync(Guard);
            var behind = Runtime.Spawn(Entry(ctx => ValueTask.FromResult<object?>(null)), "app:single").Value;
            var s = Runtime.Inspect();
            Assert.Equal(ProcessState.Running, Of(s, spinner).State);
            Assert.Equal(ProcessState.Runnable, Of(s, behind).State);
            var host = Assert.Single(s.Hosts, h => h.Reference == "app:single");
            Assert.Equal(1, host.BusyWorkers);
            Assert.Equal(1, host.QueueLength);
        }
        finally
        {
            release.Set();
        }
    }

    [Fact]
    public async Task A_cancelled_process_that_has_not_ended_is_exiting()
    {
        var pid = Runtime.Spawn(Entry(async ctx => await ctx.Listen("never").ReceiveAsync()), Host).Value;
        await Until(s => Of(s, pid).State == ProcessState.Waiting);
        Assert.True(Runtime.Cancel(pid).Ok); // it never reads its events: it stays alive
        Assert.Equal(ProcessState.Exiting, Of(Runtime.Inspect(), pid).State);
    }

    [Fact]
    public async Task A_supervisor_lists_its_children_and_they_name_it_as_parent()
    {
        string Child(string id)
        {
            var entry = $"test:{id}{Guid.NewGuid():N}"[..20];
            Runtime.Entries.Add(entry, _kit.Worker(id));
            return entry;
        }
        var started = await Runtime.StartSupervisorAsync(new SupervisorSpec
        {
            Children = [new ChildSpec("a", Child("a"), Host), new ChildSpec("b", Child("b"), Host)],
        }, Host).WaitAsync(Guard);
        Assert.True(started.Ok, started.Error);
        var sup = started.Value.Pid;
        await _kit.Next(2);
        var s = await Until(s => Find(s, sup)?.Children?.Count(c => c.Pid is not null) == 2);
        var ss = Of(s, sup);
        Assert.True(ss.IsSupervisor);
        Assert.Equal(["a", "b"], ss.Children!.Select(c => c.Id));
        Assert.Equal([_kit.Pids["a"], _kit.Pids["b"]], ss.Children!.Select(c => c.Pid!));
        foreach (var id in new[] { "a", "b" })
        {
            var cs = Of(s, _kit.Pids[id]);
            Assert.Equal(sup, cs.Parent);
            Assert.Equal([sup], cs.Links);
            Assert.False(cs.IsSupervisor);
        }
        Assert.Equal(2, ss.Monitors.Count);
    }
}
