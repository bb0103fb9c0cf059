namespace Typed.Processes;

/// <summary>
/// A typed handle on a running supervisor (Erlang's <c>supervisor:start_child</c>, <c>terminate_child</c>,
/// <c>restart_child</c>, <c>delete_child</c>, <c>which_children</c>): each member is one call to the supervisor,
/// answered when it has done the work (a started child has started; a terminated one has ended). Get one with
/// <c>runtime.Supervisor(pid)</c> (outside any process) or <c>ctx.Supervisor(pid)</c> (inside one: the calls then
/// suspend only that process). Errors come back as <see cref="Result"/>s, never exceptions.
/// </summary>
public sealed class SupervisorClient
{
    private readonly ProcessRuntime _runtime;
    private readonly ProcessContext? _context;

    internal SupervisorClient(ProcessRuntime runtime, ProcessContext? context, Pid supervisor)
    {
        _runtime = runtime;
        _context = context;
        Pid = supervisor;
    }

    /// <summary>The supervisor.</summary>
    public Pid Pid { get; }

    /// <summary>How long each call may take (default 1 minute: terminating a child waits for its shutdown).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Adds a child at the end of the supervisor's list and starts it: its PID, or why it could not start
    /// (an id already used, an unknown entry, a name held by another process; then nothing is added).</summary>
    public async ValueTask<Result<Pid>> StartChildAsync(ChildSpec spec, CancellationToken cancellationToken = default)
    {
        if (spec is null) return Result<Pid>.Failure("the child specification is null");
        if (spec.Check() is { } invalid) return Result<Pid>.Failure(invalid);
        // Checked and copied here, so that the supervisor never shares an argument with the caller.
        var args = new object?[spec.ArgsArray.Length];
        for (int i = 0; i < args.Length; i++)
        {
            var prepared = Payloads.Prepare(spec.ArgsArray[i]);
            if (!prepared.Ok) return Result<Pid>.Failure($"child '{spec.Id}': argument {i + 1}: {prepared.Error}");
            args[i] = prepared.Value;
        }
        var reply = await CallAsync(new SupervisorRequest(SupervisorRequest.Operation.StartChild, spec.Id, spec.WithArgs(args)), cancellationToken).ConfigureAwait(true);
        return reply.TryGetValue(out var r) && r.Error is null ? Result<Pid>.Success(r.Pid!) : Result<Pid>.Failure(reply.Error ?? r!.Error!);
    }

    /// <summary>Stops a child by its shutdown and keeps its specification (a temporary child's is dropped); it is not
    /// restarted until <see cref="RestartChildAsync"/>. A child waiting for a restart stops waiting.</summary>
    public ValueTask<Result> TerminateChildAsync(string id, CancellationToken cancellationToken = default) =>
        Plain(SupervisorRequest.Operation.TerminateChild, id, cancellationToken);

    /// <summary>Starts a stopped child again (an error if it runs).</summary>
    public async ValueTask<Result<Pid>> RestartChildAsync(string id, CancellationToken cancellationToken = default)
    {
        var reply = await CallAsync(new SupervisorRequest(SupervisorRequest.Operation.RestartChild, id, null), cancellationToken).ConfigureAwait(true);
        return reply.TryGetValue(out var r) && r.Error is null ? Result<Pid>.Success(r.Pid!) : Result<Pid>.Failure(reply.Error ?? r!.Error!);
    }

    /// <summary>Removes a stopped child's specification (an error if it runs or waits for a restart).</summary>
    public ValueTask<Result> DeleteChildAsync(string id, CancellationToken cancellationToken = default) =>
        Plain(SupervisorRequest.Operation.DeleteChild, id, cancellationToken);

    /// <summary>The children, in start order, with their running PID (null when stopped or waiting for a restart).</summary>
    public async ValueTask<Result<IReadOnlyList<ChildInfo>>> WhichChildrenAsync(CancellationToken cancellationToken = default)
    {
        var reply = await CallAsync(new SupervisorRequest(SupervisorRequest.Operation.WhichChildren, null, null), cancellationToken).ConfigureAwait(true);
        return reply.TryGetValue(out var r) && r.Error is null
            ? Result<IReadOnlyList<ChildInfo>>.Success(r.Children ?? [])
            : Result<IReadOnlyList<ChildInfo>>.Failure(reply.Error ?? r!.Error!);
    }

    private async ValueTask<Result> Plain(SupervisorRequest.Operation op, string id, CancellationToken cancellationToken)
    {
        var reply = await CallAsync(new SupervisorRequest(op, id, null), cancellationToken).ConfigureAwait(true);
        return reply.TryGetValue(out var r) && r.Error is null ? Result.Success : Result.Failure(reply.Error ?? r!.Error!);
    }

    private ValueTask<Result<SupervisorReply>> CallAsync(SupervisorRequest request, CancellationToken cancellationToken) =>
        _context is { } ctx
            ? ctx.CallAsync<SupervisorReply>(Pid, SupervisorProcess.CallTopic, request, Timeout, cancellationToken)
            : _runtime.CallAsync<SupervisorReply>(Pid, SupervisorProcess.CallTopic, request, Timeout, cancellationToken);

    /// <inheritdoc />
    public override string ToString() => $"supervisor {Pid}";
}
