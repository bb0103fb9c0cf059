namespace Typed.Processes;

/// <summary>
/// The way back to a caller: carried by the <see cref="Message"/> of a call (<see cref="Message.ReplyTo"/>). Answer now,
/// or keep it and answer later (from another message); the first answer settles the call, every later one is an error
/// (never an exception). Thread-safe.
/// </summary>
public sealed class ReplyHandle
{
    private readonly Call _call;

    internal ReplyHandle(Call call) => _call = call;

    /// <summary>The caller; null when the call came from outside any process.</summary>
    public Pid? Caller => _call.CallerPid;

    /// <summary>True while the caller waits and no answer was given.</summary>
    public bool IsOpen => _call.IsOpen;

    /// <summary>
    /// Answers the call with <paramref name="value"/> (checked and copied as a sent payload is). An error, with nothing
    /// delivered, when the value cannot be sent, when the call was already answered, or when the caller no longer waits
    /// (it timed out, gave up, or ended).
    /// </summary>
    public Result Reply(object? value)
    {
        if (!_call.IsOpen) return Result.Failure(_call.Closed());
        var prepared = Payloads.Prepare(value);
        if (!prepared.Ok) return Result.Failure("reply: " + prepared.Error);
        if (_call.Caller is IPayloadGate gate && gate.CheckPayload(prepared.Value) is { } refused) return Result.Failure("reply: " + refused);
        if (Telemetry.ProcessTelemetry.Source.HasListeners()) Telemetry.ProcessTelemetry.NoteReplier(_call);
        return _call.TrySettle(prepared.Value, null) ? Result.Success : Result.Failure(_call.Closed());
    }

    /// <summary>
    /// Answers with a call handler's returned value (<see cref="MessageContext.ReplyReturned"/>): as <see cref="Reply"/>,
    /// except that a value the caller refuses (its payload gate: a Lua caller cannot take a record, say) ends the call
    /// with that error, so the caller learns it at once and the handler's process, which did nothing wrong, goes on.
    /// Returns the error of a value that cannot be sent at all (the handler's bug), else null (answered, refused to
    /// the caller, or nobody waits any more).
    /// </summary>
    internal string? AnswerReturned(object? value)
    {
        if (!_call.IsOpen) return null;
        var prepared = Payloads.Prepare(value);
        if (!prepared.Ok) return "reply: " + prepared.Error;
        if (_call.Caller is IPayloadGate gate && gate.CheckPayload(prepared.Value) is { } refused)
        {
            _call.TrySettle(null, "reply: " + refused);
            return null;
        }
        if (Telemetry.ProcessTelemetry.Source.HasListeners()) Telemetry.ProcessTelemetry.NoteReplier(_call);
        _call.TrySettle(prepared.Value, null);
        return null;
    }

    /// <summary>Ends the call with <paramref name="error"/> for its caller (nothing is answered).</summary>
    internal void Refuse(string error) => _call.TrySettle(null, error);

    /// <inheritdoc />
    public override string ToString() => $"reply to {Caller?.ToString() ?? "outside"}{(IsOpen ? "" : " (settled)")}";
}
