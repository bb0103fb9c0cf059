using System.Diagnostics;
using KeraLua;
using Typed.Processes.Telemetry;

namespace Typed.Processes.Lua;

// Calls (process.call, msg:reply; see Call in the runtime). A call's outcome arrives on a one-slot channel of this
// process, which the prelude receives from as any channel (so the wait, the memory ceiling and coroutine.spawn work as
// for a receive); tp.call_end then says whether it failed and detaches the call. Reply handles of the calls this
// process received are kept by id until answered, for msg:reply.
internal partial class LuaProcess
{
    private Dictionary<long, (Typed.Processes.Call Call, Activity? Span)>? _calls; // outcome channel id -> call in flight, its span
    private Dictionary<long, ReplyHandle>? _replies; // message's _call id -> its reply handle
    private long _lastReplyId;

    /// <summary>Calls in flight and reply handles kept (for tests).</summary>
    internal int CallsTracked => (_calls?.Count ?? 0) + (_replies?.Count ?? 0);

    /// <summary>tp.call(target, topic, payload, timeout, may_wait) -> the outcome channel's id, or nil, err. A call waits
    /// for the one reply to it; Wippy has no calls (our extension).</summary>
    private int StartCall(KeraLua.Lua lua)
    {
        if (_loading) return Err(lua, "call: not allowed in an entry's top level (it runs inside its spawner's call); call from main");
        if (!lua.ToBoolean(5)) return Err(lua, "call: cannot wait in a coroutine the script created (call from main or one coroutine.spawn started)");
        var target = Str(lua, 1);
        var topic = Str(lua, 2);
        if (target is null) return Err(lua, "call: target must be a PID or a registered name");
        if (topic is null) return Err(lua, "call: topic must be a string");
        var payload = LuaValues.ToNet(lua, 3);
        if (!payload.Ok) return Err(lua, "call: " + payload.Error);
        var timeout = ParseDuration(lua, 4, out var error);
        if (timeout is null) return Err(lua, "process.call: " + error);
        var to = Runtime.Resolve(target);
        // process.call {topic} (client), as a C# call: current while the request is sent (it carries the span), then
        // the process's receive span is current again; it ends at tp.call_end, linked to the replier's span.
        Activity? span = null, current = null;
        if (ProcessTelemetry.Source.HasListeners())
        {
            current = Activity.Current;
            span = ProcessTelemetry.StartCall(to, topic);
        }
        Result<Typed.Processes.Call> started;
        try { started = Typed.Processes.Call.Start(this, to, topic, payload.Value, timeout.Value); }
        finally { if (span is not null) Activity.Current = current; }
        if (!started.TryGetValue(out var call))
        {
            if (span is not null) { span.SetStatus(ActivityStatusCode.Error, started.Error); ProcessTelemetry.StopQuietly(span); }
            return Err(lua, started.Error!);
        }
        (_calls ??= [])[call.Outcome.Id] = (call, span);
        lua.PushInteger(Track(lua, call.Outcome));
        return 1;
    }

    /// <summary>tp.call_end(id) -> nothing if the call was answered, else its error; the call is detached.</summary>
    private int EndCall(KeraLua.Lua lua)
    {
        if (_calls is null || !_calls.Remove(lua.ToInteger(1), out var tracked)) return Err(lua, "call: unknown call");
        var (call, span) = tracked;
        call.End(); // settles it as abandoned if the receive failed, so a later reply is dropped
        if (span is not null)
        {
            ProcessTelemetry.LinkReply(span, call);
            if (call.Error is { } failed) span.SetStatus(ActivityStatusCode.Error, failed);
            ProcessTelemetry.StopQuietly(span);
        }
        if (call.Error is not { } error) return 0;
        LuaNative.PushText(lua, Clip(error));
        return 1;
    }

    /// <summary>The id a pushed call message carries (its <c>_call</c> field), for msg:reply.</summary>
    internal long RememberReply(ReplyHandle handle)
    {
        _replies ??= [];
        if (_replies.Count >= 256) // handles of calls that were answered or given up are forgotten
            foreach (var (id, h) in _replies)
                if (!h.IsOpen) _replies.Remove(id);
        _replies[++_lastReplyId] = handle;
        return _lastReplyId;
    }

    /// <summary>tp.reply(id, value, topic) (msg:reply) -> true, or nil, err.</summary>
    private int Reply(KeraLua.Lua lua)
    {
        if (lua.Type(1) != LuaType.Number) return Err(lua, $"reply: the message on '{Str(lua, 3)}' is not a call");
        if (_replies is null || !_replies.TryGetValue(lua.ToInteger(1), out var handle)) return Err(lua, "reply: the call was already answered");
        var value = LuaValues.ToNet(lua, 2);
        if (!value.Ok) return Err(lua, "reply: " + value.Error);
        var r = handle.Reply(value.Value);
        if (r.Ok || !handle.IsOpen) _replies.Remove(lua.ToInteger(1));
        return Ok(lua, r);
    }
}
