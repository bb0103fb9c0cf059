using Typed.Processes.Telemetry;

namespace Typed.Processes;

/// <summary>
/// The body of a supervisor process: starts its children in order (linked and monitored, trapping links), restarts
/// them by its strategy and restart types, gives up past its intensity, answers <see cref="SupervisorClient"/> calls,
/// and stops its children in reverse order when it ends. One instance per supervisor process, used only by it.
/// </summary>
internal sealed class SupervisorProcess
{
    /// <summary>The entry a supervisor's PID shows.</summary>
    internal const string EntryReference = "typed:supervisor";

    /// <summary>The topic of <see cref="SupervisorClient"/> calls.</summary>
    internal const string CallTopic = "typed.supervisor";

    private readonly SupervisorSpec _spec;
    private readonly TaskCompletionSource<string?>? _ack;
    private Pid? _parent;
    private readonly bool _entryMode;
    private readonly List<Child> _children = [];
    private readonly Dictionary<Pid, Child> _byPid = [];
    private readonly Queue<DateTimeOffset> _restarts = new();
    private readonly List<ProcessEvent> _deferred = [];
    private ProcessContext _ctx = null!;
    private ProcessChannel<ProcessEvent> _events = null!;
    private ProcessChannel<DateTimeOffset>? _timer;
    private DateTimeOffset _timerDue;
    private bool _stop;
    private string? _stopError;

    private SupervisorProcess(SupervisorSpec spec, TaskCompletionSource<string?>? ack, Pid? parent, bool entryMode = false)
    {
        _spec = spec;
        _ack = ack;
        _parent = parent;
        _entryMode = entryMode;
    }

    /// <summary>The main of a <see cref="SupervisorEntry"/>'s processes: its parent is the process it was linked to at
    /// spawn (if any), and it signals readiness once its children have started.</summary>
    internal static ProcessMain EntryMain(SupervisorSpec spec) => ctx => new SupervisorProcess(spec, null, null, entryMode: true).RunAsync(ctx);

    private sealed class Child(ChildSpec spec)
    {
        public ChildSpec Spec { get; } = spec;
        public Pid? Pid { get; set; }
        public DateTimeOffset StartedAt { get; set; }
        public int Attempts { get; set; }
        public DateTimeOffset? RestartDue { get; set; }

        /// <summary>A nested supervisor (a <see cref="ChildSpec.Supervisor"/> or an entry that is a <see cref="SupervisorEntry"/>).</summary>
        public bool IsSupervisor { get; set; }

        public ChildShutdown Shutdown => Spec.Shutdown ?? (IsSupervisor ? ChildShutdown.Infinity : Spec.EffectiveShutdown);
    }

    /// <summary>
    /// The definition of one supervisor process. <paramref name="ack"/> receives null once every child has started, or
    /// the error that ended the supervisor before that; <paramref name="parent"/> is the process it is linked to at
    /// spawn (its failure stops the supervisor, as OTP's parent EXIT).
    /// </summary>
    internal static EntryDefinition Definition(SupervisorSpec spec, TaskCompletionSource<string?>? ack, Pid? parent) =>
        new CSharpEntry(EntryReference, ctx => new SupervisorProcess(spec, ack, parent).RunAsync(ctx));

    private ProcessRuntime Runtime => _ctx.Runtime;

    private string Describe => _spec.Name is { } name ? $"supervisor '{name}' ({_ctx.Self})" : $"supervisor {_ctx.Self}";

    private async ValueTask<object?> RunAsync(ProcessContext ctx)
    {
        _ctx = ctx;
        Publish();
        ctx.SetOptions(new ProcessOptions { TrapLinks = true });
        if (_entryMode) _parent = ctx.Core.FirstLink();
        if (_ack is not null)
            ctx.Aborted.UnsafeRegister(static s => ((TaskCompletionSource<string?>)s!).TrySetResult("the supervisor ended while starting its children"), _ack);
        _events = ctx.Events();
        var calls = ctx.ListenMessages(CallTopic);
        ctx.Core.SupervisorStarting = true;
        foreach (var spec in _spec.Children)
        {
            var child = new Child(spec);
            _children.Add(child);
            if (await StartAsync(child).ConfigureAwait(true) is { } error)
            {
                _children.Remove(child);
                var failure = $"{Describe} could not start child '{spec.Id}': {error}";
                await StopAllAsync().ConfigureAwait(true);
                // As OTP's start_link: the starter gets the error, not a link-down kill (a spawned entry fails as any process).
                if (_parent is { } parent && _ack is not null) ctx.Unlink(parent);
                _ack?.TrySetResult(failure);
                return new ProcessFailure(failure);
            }
        }
        ctx.Core.SupervisorStarting = false;
        _ack?.TrySetResult(null);
        ctx.SignalReady(); // a SupervisorEntry's process: started now
        while (!_stop)
        {
            if (_deferred.Count > 0)
            {
                var e = _deferred[0];
                _deferred.RemoveAt(0);
                await OnEventAsync(e).ConfigureAwait(true);
                continue;
            }
            var timer = Timer();
            Publish();
            // Events first, then due restarts: a call made after a child's exit was observed sees the supervisor's
            // reaction to it.
            var selected = timer is null
                ? await ctx.Select(_events.CaseReceive(), calls.CaseReceive()).ConfigureAwait(true)
                : await ctx.Select(_events.CaseReceive(), timer.CaseReceive(), calls.CaseReceive()).ConfigureAwait(true);
            if (selected.Index == 0) await OnEventAsync((ProcessEvent)selected.Value!).ConfigureAwait(true);
            else if (selected.Channel == calls) await OnCallAsync((Message)selected.Value!).ConfigureAwait(true);
            else
            {
                _timer = null;
                await RestartDueAsync().ConfigureAwait(true);
            }
        }
        await StopAllAsync().ConfigureAwait(true);
        return _stopError is null ? null : new ProcessFailure(_stopError);
    }

    /// <summary>The timer of the earliest pending restart (kept while that time stays the earliest).</summary>
    private ProcessChannel<DateTimeOffset>? Timer()
    {
        DateTimeOffset? due = null;
        foreach (var c in _children)
            if (c.RestartDue is { } d && (due is null || d < due)) due = d;
        if (due is not { } next)
        {
            _timer = null;
            return null;
        }
        if (_timer is null || _timerDue != next)
        {
            _timer = _ctx.After(next - Runtime.Now);
            _timerDue = next;
        }
        return _timer;
    }

    // ---- events ----------------------------------------------------------------------------------------------

    private async ValueTask OnEventAsync(ProcessEvent e)
    {
        switch (e.Kind)
        {
            case ProcessEventKind.Exit:
                if (_byPid.Remove(e.From, out var child))
                {
                    child.Pid = null;
                    await OnChildExitAsync(child, e.Error).ConfigureAwait(true);
                }
                break;
            case ProcessEventKind.LinkDown:
                // A child's failure arrives as its Exit (monitored); only the parent's failure stops the supervisor.
                if (_parent is { } parent && e.From == parent)
                {
                    _stop = true;
                    _stopError ??= $"link down: {parent} exited with error: {e.Error}";
                }
                break;
            default: // Cancel: stop every child in reverse order, then end normally
                _stop = true;
                break;
        }
    }

    private async ValueTask OnChildExitAsync(Child child, string? error)
    {
        var restart = child.Spec.Restart switch
        {
            RestartType.Permanent => true,
            RestartType.Transient => error is not null,
            _ => false,
        } && !(child.Spec.TerminationIsFinal && ProcessRuntime.IsTermination(error));
        if (child.Spec.Restart == RestartType.Temporary) _children.Remove(child);
        if (restart) await RestartAsync(child, error ?? "exited normally", ranFor: Runtime.Now - child.StartedAt).ConfigureAwait(true);
    }

    /// <summary>
    /// Counts a restart against the intensity (past it: the supervisor stops, with an error), then schedules the
    /// restart of <paramref name="failed"/> and, by the strategy, of its siblings (stopped first, in reverse order).
    /// </summary>
    private async ValueTask RestartAsync(Child failed, string reason, TimeSpan? ranFor)
    {
        // supervisor.restart: the decision and, without a delay, the restart itself (its spawns are children of it).
        using var activity = ProcessTelemetry.Source.HasListeners()
            ? ProcessTelemetry.StartRestart(_spec.Name ?? _ctx.Self.ToString(), failed.Spec.Id, reason)
            : null;
        var now = Runtime.Now;
        _restarts.Enqueue(now);
        while (_restarts.Count > 0 && now - _restarts.Peek() >= _spec.Period) _restarts.Dequeue();
        if (_restarts.Count > _spec.MaxRestarts)
        {
            _stop = true;
            _stopError ??= $"{Describe} reached its restart intensity ({_spec.MaxRestarts} restart(s) in " +
                           $"{_spec.Period.TotalMilliseconds:0}ms); the last failure: child '{failed.Spec.Id}': {reason}";
            activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, $"restart intensity reached ({_spec.MaxRestarts} in {_spec.Period.TotalMilliseconds:0}ms)");
            return;
        }
        if (ProcessTelemetry.Restarts.Enabled)
            ProcessTelemetry.Restarts.Add(1, new KeyValuePair<string, object?>("supervisor", _spec.Name ?? _ctx.Self.ToString()),
                new KeyValuePair<string, object?>("child", failed.Spec.Id));
        var delay = TimeSpan.Zero;
        if (_spec.Backoff is { } backoff)
        {
            var stable = ranFor is { } ran && ran >= (backoff.StableAfter ?? backoff.MaxDelay);
            failed.Attempts = stable ? 1 : failed.Attempts + 1;
            if (backoff.MaxAttempts > 0 && failed.Attempts > backoff.MaxAttempts)
            {
                failed.Attempts = 0; // given up: the child stays stopped (a later start counts from 1)
                return;
            }
            delay = backoff.DelayFor(failed.Attempts, Random.Shared);
        }
        var index = _children.IndexOf(failed);
        var group = new List<Child>();
        if (index < 0) group.Add(failed); // temporary: never restarted, never here
        else
            for (int i = _spec.Strategy == RestartStrategy.OneForAll ? 0 : index; i < _children.Count; i++)
            {
                var c = _children[i];
                if (c == failed || c.Pid is not null || c.RestartDue is not null) group.Add(c);
                if (_spec.Strategy == RestartStrategy.OneForOne) break;
            }
        for (int i = group.Count - 1; i >= 0; i--)
        {
            var c = group[i];
            if (c == failed) continue;
            await StopChildAsync(c).ConfigureAwait(true);
            if (c.Spec.Restart == RestartType.Temporary)
            {
                _children.Remove(c);
                group.RemoveAt(i);
            }
        }
        var due = now + delay;
        foreach (var c in group) c.RestartDue = due;
        // Without a delay, at once (as OTP): a call that follows the exit sees the child running again.
        if (delay <= TimeSpan.Zero) await RestartDueAsync().ConfigureAwait(true);
    }

    /// <summary>Starts, in order, the children whose restart is due.</summary>
    private async ValueTask RestartDueAsync()
    {
        var now = Runtime.Now;
        foreach (var child in _children.ToArray())
        {
            if (_stop) return;
            if (child.RestartDue is not { } due || due > now || !_children.Contains(child)) continue;
            child.RestartDue = null;
            if (await StartAsync(child).ConfigureAwait(true) is { } error)
            {
                if (Runtime.IsShuttingDown)
                {
                    _stop = true;
                    return;
                }
                // As OTP: a restart that fails is another failure of that child (counted; retried by the strategy).
                await RestartAsync(child, "could not restart: " + error, ranFor: null).ConfigureAwait(true);
            }
        }
    }

    // ---- children --------------------------------------------------------------------------------------------

    /// <summary>Starts one instance of a child: null, or why it could not start (a nested supervisor has started its
    /// own children before this returns).</summary>
    private async ValueTask<string?> StartAsync(Child child)
    {
        var spec = child.Spec;
        // A supervisor entry that is its own descendant (a cycle through C# [Supervisor] classes, SupervisorEntry
        // objects or several applications' manifests) would spawn copies of itself without end: an error instead.
        if (spec.SupervisorSpec is null && Runtime.Entries.TryGet(spec.Entry, out var entry) && entry is SupervisorEntry &&
            StartingAncestor(spec.Entry) is { } ancestor)
            return $"supervisor '{spec.Entry}' would be its own descendant ({ancestor} runs it and is starting its children)";
        var started = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var options = new SpawnOptions { RegisterAs = spec.RegisteredName, Supervised = true };
        // A nested supervisor is started once it has started its children; a worker once its main's first run has ended,
        // or once it signals readiness (ChildSpec.SignalsReady). Both complete `started` with an error if it ends first.
        options = spec.SupervisorSpec is { } nested
            ? options with { Definition = Definition(nested, started, _ctx.Self) }
            : options with { StartSignal = started, AwaitsReady = spec.SignalsReady };
        // The start timeout runs from before the spawn (on the runtime's clock), so the child's first run is within it.
        using var deadline = spec.StartTimeout is { } timeout ? new CancellationTokenSource(timeout, Runtime.Time) : null;
        var spawned = Runtime.SpawnCore(spec.Entry, spec.Host, spec.ArgsArray, _ctx.Core, SpawnMode.LinkedMonitored, null, options);
        if (!spawned.TryGetValue(out var pid)) return spawned.Error;
        child.IsSupervisor = spec.SupervisorSpec is not null || (Runtime.Entries.TryGet(spec.Entry, out var definition) && definition is SupervisorEntry);
        child.Pid = pid;
        child.StartedAt = Runtime.Now;
        child.RestartDue = null;
        _byPid[pid] = child;
        Publish();
        string? error;
        if (deadline is null) error = await started.Task.WaitAsync(_ctx.Aborted).ConfigureAwait(true);
        else
        {
            using var either = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, _ctx.Aborted);
            try
            {
                error = await started.Task.WaitAsync(either.Token).ConfigureAwait(true);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !_ctx.Aborted.IsCancellationRequested)
            {
                error = $"it was not started within {spec.StartTimeout!.Value.TotalMilliseconds:0}ms" +
                        (spec.SignalsReady ? " (it did not signal it was ready)" : "");
                ProcessRuntime.TerminateCore(_ctx.Core, Runtime.Resolve(pid));
            }
        }
        if (error is not null)
        {
            _byPid.Remove(pid);
            child.Pid = null;
            await WaitExitAsync(pid).ConfigureAwait(true);
            return error;
        }
        return null;
    }

    /// <summary>This supervisor or a process above it (through the spawners) that runs <paramref name="entry"/> and is still
    /// starting its children, or null.</summary>
    private Pid? StartingAncestor(string entry)
    {
        ProcessCore? p = _ctx.Core;
        while (p is not null)
        {
            if (p.SupervisorStarting && p.Pid.Entry == entry) return p.Pid;
            p = p.Parent is { } parent ? Runtime.Find(parent) : null;
        }
        return null;
    }

    /// <summary>Stops a child by its shutdown and waits for its end; cancels a pending restart.</summary>
    private async ValueTask StopChildAsync(Child child)
    {
        child.RestartDue = null;
        if (child.Pid is not { } pid) return;
        _byPid.Remove(pid);
        child.Pid = null;
        var shutdown = child.Shutdown;
        var target = Runtime.Resolve(pid);
        // Not alive any more: its Exit is queued (it is monitored), and awaited below all the same.
        _ = shutdown.IsBrutal
            ? ProcessRuntime.TerminateCore(_ctx.Core, target)
            : Runtime.CancelCore(_ctx.Core, target, shutdown.Timeout, $"stopped by its supervisor {_ctx.Self}");
        await WaitExitAsync(pid).ConfigureAwait(true);
    }

    private async ValueTask StopAllAsync()
    {
        for (int i = _children.Count - 1; i >= 0; i--)
            if (i < _children.Count) await StopChildAsync(_children[i]).ConfigureAwait(true);
    }

    /// <summary>Waits for the Exit event of <paramref name="pid"/>; other events wait in <see cref="_deferred"/>.</summary>
    private async ValueTask WaitExitAsync(Pid pid)
    {
        var i = _deferred.FindIndex(e => e.Kind == ProcessEventKind.Exit && e.From == pid);
        if (i >= 0)
        {
            _deferred.RemoveAt(i);
            return;
        }
        while (true)
        {
            var e = await _events.ReceiveAsync().ConfigureAwait(true);
            if (e.Kind == ProcessEventKind.Exit && e.From == pid) return;
            _deferred.Add(e);
        }
    }

    // ---- calls -----------------------------------------------------------------------------------------------

    private async ValueTask OnCallAsync(Message message)
    {
        var asTable = message.Payload is PayloadTable;
        SupervisorRequest request;
        if (message.Payload is SupervisorRequest typed) request = typed;
        else if (message.Payload is PayloadTable table)
        {
            // A Lua process's call (the supervisor module): answered with a table.
            var parsed = SupervisorTables.Parse(table, _ctx.Self.Host);
            if (!parsed.TryGetValue(out request!))
            {
                message.Reply(SupervisorTables.Reply(Fail(parsed.Error!)));
                return;
            }
        }
        else
        {
            message.Reply(new SupervisorReply(null, "not a supervisor request", null));
            return;
        }
        var reply = request.Op switch
        {
            SupervisorRequest.Operation.StartChild => await StartChildAsync(request.Spec).ConfigureAwait(true),
            SupervisorRequest.Operation.TerminateChild => await TerminateChildAsync(request.Id).ConfigureAwait(true),
            SupervisorRequest.Operation.RestartChild => await RestartChildAsync(request.Id).ConfigureAwait(true),
            SupervisorRequest.Operation.DeleteChild => DeleteChild(request.Id),
            _ => new SupervisorReply(null, null, Children()),
        };
        message.Reply(asTable ? SupervisorTables.Reply(reply) : reply);
    }

    /// <summary>Its children as <see cref="SupervisorClient.WhichChildrenAsync"/> and the introspection snapshot show them.</summary>
    private ChildInfo[] Children() => _children
        .Select(c => new ChildInfo(c.Spec.Id, c.Pid, c.IsSupervisor || c.Spec.SupervisorSpec is not null, c.Spec.Restart, c.RestartDue is not null))
        .ToArray();

    /// <summary>Publishes its children for <see cref="ProcessRuntime.Inspect"/> (read from other threads; the array is never
    /// changed once published).</summary>
    private void Publish() => Volatile.Write(ref _ctx.Core.SupervisorChildren, Children());

    private static SupervisorReply Fail(string error) => new(null, error, null);

    private Child? Find(string? id) => _children.Find(c => c.Spec.Id == id);

    private async ValueTask<SupervisorReply> StartChildAsync(ChildSpec? spec)
    {
        if (spec is null) return Fail("the child specification is null");
        if (spec.Check() is { } invalid) return Fail(invalid);
        if (Find(spec.Id) is { } existing)
            return Fail(existing.Pid is { } running ? $"child '{spec.Id}' already exists and runs as {running}" : $"child '{spec.Id}' already exists");
        var child = new Child(spec);
        _children.Add(child);
        if (await StartAsync(child).ConfigureAwait(true) is { } error)
        {
            _children.Remove(child);
            return Fail($"child '{spec.Id}' could not start: {error}");
        }
        return new SupervisorReply(child.Pid, null, null);
    }

    private async ValueTask<SupervisorReply> TerminateChildAsync(string? id)
    {
        if (Find(id) is not { } child) return Fail($"no child '{id}'");
        await StopChildAsync(child).ConfigureAwait(true);
        if (child.Spec.Restart == RestartType.Temporary) _children.Remove(child);
        return new SupervisorReply(null, null, null);
    }

    private async ValueTask<SupervisorReply> RestartChildAsync(string? id)
    {
        if (Find(id) is not { } child) return Fail($"no child '{id}'");
        if (child.Pid is { } running) return Fail($"child '{id}' is running as {running}");
        if (await StartAsync(child).ConfigureAwait(true) is { } error) return Fail($"child '{id}' could not start: {error}");
        return new SupervisorReply(child.Pid, null, null);
    }

    private SupervisorReply DeleteChild(string? id)
    {
        if (Find(id) is not { } child) return Fail($"no child '{id}'");
        if (child.Pid is { } running) return Fail($"child '{id}' is running as {running}: terminate it first");
        if (child.RestartDue is not null) return Fail($"child '{id}' waits for a restart: terminate it first");
        _children.Remove(child);
        return new SupervisorReply(null, null, null);
    }
}
