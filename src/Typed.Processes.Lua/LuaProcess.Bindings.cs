using System.Diagnostics;
using System.Text;
using KeraLua;
using Typed.Processes.Channels;

namespace Typed.Processes.Lua;

// The binding table: the C# functions the prelude's modules call (tp.*), the wrapper they run in and its helpers.
internal partial class LuaProcess
{
    /// <summary>Error texts pushed into Lua are clipped to this many chars (they may quote user input).</summary>
    private const int MaxErrorLength = 4096;

    private static string Clip(string text) => text.Length <= MaxErrorLength ? text : text[..MaxErrorLength] + "...";

    /// <summary>A failing call's <c>nil, err</c> (the shape of every failure in the Lua API but set_options').</summary>
    private static int Err(KeraLua.Lua lua, string error)
    {
        lua.PushNil();
        LuaNative.PushText(lua, Clip(error));
        return 2;
    }

    private static int Ok(KeraLua.Lua lua, Result r)
    {
        if (r.Ok) { lua.PushBoolean(true); return 1; }
        return Err(lua, r.Error);
    }

    /// <summary>Wraps a C# function of tp: the body runs for the running process, in an unchecked region (see
    /// <see cref="BeginUnchecked"/>).</summary>
    private static LuaFunction Fn(Func<KeraLua.Lua, LuaProcess, int> body) => state => OnThread(state, lua => Call(lua, body));

    /// <summary>
    /// Runs <paramref name="body"/> with the KeraLua wrapper of <paramref name="state"/>. A coroutine the script created
    /// gets a wrapper here, which KeraLua would keep for ever: released after (the process's own coroutines keep theirs
    /// until they end, see LuaProcess.ReleaseWrapper).
    /// </summary>
    private static int OnThread(IntPtr state, Func<KeraLua.Lua, int> body)
    {
        var extra = ExtraHandle(state);
        try { return body(KeraLua.Lua.FromIntPtr(state)); }
        finally { ReleaseWrapper(state, extra); }
    }

    private static int Call(KeraLua.Lua lua, Func<KeraLua.Lua, LuaProcess, int> body)
    {
        var p = s_current;
        if (p is null) { lua.PushNil(); LuaNative.PushText(lua, "not inside a process"); return 2; } // 20 slots are guaranteed
        long gc = p.BeginUnchecked(lua, 0);
        try
        {
            // A C function is guaranteed LUA_MINSTACK (20) free slots; ours return at most 4 values and deep values
            // check the stack themselves, but this keeps the guarantee explicit.
            if (!LuaNative.CheckStack(lua, 8)) return 0;
            return body(lua, p);
        }
        catch (Exception ex) // never let an exception cross into native code
        {
            lua.PushNil();
            LuaNative.PushText(lua, Clip(ex.Message));
            return 2;
        }
        finally
        {
            p.EndUnchecked(lua, gc);
            p.ExitIfDoomed();
        }
    }

    // The last destination and topic a process sent to, by their bytes: a process usually sends to the same few, and
    // a PID's text names the same process for ever (a registered name may move: it is resolved at every send).
    private LastBytes<Result<Target>> _lastDest;
    private LastBytes<string> _lastTopic;

    /// <summary>A value computed from a Lua string's bytes, kept for the last (short) bytes it was computed from.</summary>
    private struct LastBytes<T>
    {
        private byte[]? _bytes;
        private T _value;

        public readonly bool TryGet(ReadOnlySpan<byte> bytes, out T value)
        {
            value = _value;
            return _bytes is { } last && bytes.SequenceEqual(last);
        }

        public void Set(ReadOnlySpan<byte> bytes, T value)
        {
            if (bytes.Length > 256) return;
            _bytes = bytes.ToArray();
            _value = value;
        }
    }

    private Result<Target> SendTarget(KeraLua.Lua lua, int i)
    {
        var bytes = LuaNative.Bytes(lua, i);
        if (_lastDest.TryGet(bytes, out var cached)) return cached;
        var text = LuaNative.ToText(lua, i)!;
        var target = Runtime.Resolve(text);
        if (text.Length > 0 && text[0] == '{' && target.Ok) _lastDest.Set(bytes, target);
        return target;
    }

    private string SendTopic(KeraLua.Lua lua, int i)
    {
        var bytes = LuaNative.Bytes(lua, i);
        if (_lastTopic.TryGet(bytes, out var cached)) return cached;
        var text = LuaNative.ToText(lua, i)!;
        _lastTopic.Set(bytes, text);
        return text;
    }

    private static string? Str(KeraLua.Lua lua, int i) => lua.Type(i) == LuaType.String ? LuaNative.ToText(lua, i) : null;

    private static string Target(KeraLua.Lua lua, int i) => Str(lua, i) ?? "";

    private static TimeSpan? ParseDuration(KeraLua.Lua lua, int i, out string? error)
    {
        error = null;
        if (lua.Type(i) == LuaType.Number) return Duration.TryFromMilliseconds(lua.ToNumber(i), out var ms, out error) ? ms : null;
        if (lua.Type(i) == LuaType.String && Duration.TryParse(LuaNative.ToText(lua, i)!, out var d, out error)) return d;
        error ??= "duration must be a string like \"100ms\" or a number of milliseconds";
        return null;
    }

    // The C# side of the modules. Invariant the killer relies on (see Hook and prelude.lua): none of these calls
    // back into Lua (no lua_call, no API that can run a metamethod: tables are read with lua_next/raw reads and
    // built fresh, strings read with lua_tolstring), so no managed frame is ever between a Lua error and the
    // lua_resume/lua_pcall that catches it.
    private static readonly (string Name, LuaFunction Fn)[] Functions =
    [
        ("pid", Fn((lua, p) => { LuaNative.PushText(lua, p.Pid.ToString()); return 1; })),
        ("log", Fn((lua, p) => { p.Context.Log(LuaNative.ToText(lua, 1) ?? ""); return 0; })),
        ("ready", Fn((lua, p) => { lua.PushBoolean(p.Context.SignalReady()); return 1; })),
        ("lib", Fn((lua, p) =>
        {
            // require's library.lua modules: the function of the running process's entry's library of that name (the
            // last one of that name wins), loaded into the state at spawn; nil if the entry has none.
            var name = Str(lua, 1);
            var libs = p._entry.Libraries;
            for (int i = libs.Count - 1; i >= 0; i--)
            {
                if (libs[i].Name != name) continue;
                int function = p._lua!.Function(libs[i], p._entry.LibraryCode(i), libs[i].ChunkName, out var error);
                if (function == 0) return Err(lua, error!);
                lua.RawGetInteger(LuaRegistry.Index, function);
                return 1;
            }
            lua.PushNil();
            return 1;
        })),
        ("unlisten", Fn((lua, p) => { lua.PushBoolean(Str(lua, 1) is { } topic && ((ProcessCore)p).Unlisten(topic)); return 1; })),
        ("spawn", Fn((lua, p) =>
        {
            // An entry's top level runs inside its spawner's call (Setup), on the spawner's thread: a top level that
            // spawned would nest a Setup per level, and one that spawns its own entry overflowed the C stack and
            // aborted the host ("Stack overflow", exit 134). The process does not exist yet either.
            if (p._loading) return Err(lua, "spawn: not allowed in an entry's top level (it runs inside its spawner's call); spawn from main");
            var mode = Str(lua, 1);
            var entry = Str(lua, 2);
            var host = Str(lua, 3);
            if (entry is null) return Err(lua, "spawn: entry reference must be a string");
            if (host is null) return Err(lua, "spawn: host reference must be a string");
            int top = lua.GetTop();
            var args = new object?[Math.Max(0, top - 3)];
            for (int i = 4; i <= top; i++)
            {
                var v = LuaValues.ToNet(lua, i);
                if (!v.Ok) return Err(lua, $"argument {i - 3}: {v.Error}");
                args[i - 4] = v.Value;
            }
            var r = mode switch
            {
                "monitored" => p.Context.SpawnMonitored(entry, host, args),
                "linked" => p.Context.SpawnLinked(entry, host, args),
                "linked_monitored" => p.Context.SpawnLinkedMonitored(entry, host, args),
                _ => p.Context.Spawn(entry, host, args),
            };
            if (!r.Ok) return Err(lua, r.Error);
            LuaNative.PushText(lua, r.Value.ToString());
            return 1;
        })),
        ("send", Fn((lua, p) =>
        {
            if (lua.Type(1) != LuaType.String) return Err(lua, "send: destination must be a PID or a registered name");
            if (lua.Type(2) != LuaType.String) return Err(lua, "send: topic must be a string");
            // One message (Wippy): no value is a nil payload, one value is the payload, several are the array
            // table { v1, v2, ... } (a nil among them is a hole, as in the table constructor).
            int top = lua.GetTop();
            object? payload = null;
            if (top == 3)
            {
                var v = LuaValues.ToNet(lua, 3);
                if (!v.Ok) return Err(lua, v.Error); // nothing delivered
                payload = v.Value;
            }
            else if (top > 3)
            {
                var fields = new Dictionary<object, object?>();
                for (int i = 3; i <= top; i++)
                {
                    var v = LuaValues.ToNet(lua, i);
                    if (!v.Ok) return Err(lua, $"value {i - 2}: {v.Error}"); // nothing delivered
                    if (v.Value is not null) fields[(long)(i - 2)] = v.Value;
                }
                payload = PayloadTable.FromNormalized(fields);
            }
            return Ok(lua, ProcessRuntime.SendCore(p, p.SendTarget(lua, 1), p.SendTopic(lua, 2), payload));
        })),
        ("listen", Fn((lua, p) =>
        {
            var topic = Str(lua, 1);
            if (string.IsNullOrEmpty(topic)) return Err(lua, "listen: topic must be a non-empty string");
            var core = (ProcessCore)p;
            var r = lua.ToBoolean(2)
                ? core.Listen(topic, new MessageListener(new ProcessChannel<Message>(-1, ChannelKind.Topic, p)))
                : core.Listen(topic, new PayloadListener<object?>(new ProcessChannel<object?>(-1, ChannelKind.Topic, p)));
            if (!r.Ok) return Err(lua, r.Error);
            lua.PushInteger(p.Track(lua, r.Value));
            return 1;
        })),
        ("inbox", Fn((lua, p) => { lua.PushInteger(p.Track(lua, p.Context.Inbox())); return 1; })),
        ("events", Fn((lua, p) => { lua.PushInteger(p.Track(lua, p.Context.Events())); return 1; })),
        ("monitor", Fn((lua, p) => Ok(lua, p.Context.Monitor(Target(lua, 1))))),
        ("unmonitor", Fn((lua, p) => Ok(lua, p.Context.Unmonitor(Target(lua, 1))))),
        ("link", Fn((lua, p) => Ok(lua, p.Context.Link(Target(lua, 1))))),
        ("unlink", Fn((lua, p) => Ok(lua, p.Context.Unlink(Target(lua, 1))))),
        ("terminate", Fn((lua, p) => Ok(lua, p.Context.Terminate(Target(lua, 1))))),
        ("cancel", Fn((lua, p) =>
        {
            // cancel(target[, reason_or_deadline]): nothing (or nil) or a string that is not a duration is a reason
            // (Wippy); a number (ms) or a string that parses as a duration is a deadline (the event has no reason).
            switch (lua.Type(2))
            {
                case LuaType.None or LuaType.Nil:
                    return Ok(lua, p.Context.Cancel(Target(lua, 1)));
                case LuaType.String when !Duration.TryParse(LuaNative.ToText(lua, 2), out _, out _):
                    return Ok(lua, p.Context.Cancel(Target(lua, 1), LuaNative.ToText(lua, 2)!));
                case LuaType.Number or LuaType.String:
                    var d = ParseDuration(lua, 2, out var error);
                    return d is null ? Err(lua, error!) : Ok(lua, p.Context.Cancel(Target(lua, 1), d.Value));
                default:
                    return Err(lua, $"cancel: the second argument must be a reason (a string), a deadline (a duration string or a number of milliseconds) or nil, not a {lua.TypeName(2)}");
            }
        })),
        ("set_options", Fn((lua, p) => Ok(lua, p.Context.SetOptions(new ProcessOptions { TrapLinks = lua.ToBoolean(1) })))),
        ("get_trap_links", Fn((lua, p) => { lua.PushBoolean(p.TrapLinks); return 1; })),
        ("reg_register", Fn((lua, p) =>
        {
            var name = Str(lua, 1);
            if (name is null) return Err(lua, "register: name must be a string");
            Result r;
            if (lua.Type(2) == LuaType.String)
                r = Pid.TryParse(LuaNative.ToText(lua, 2), out var pid) ? p.Context.Register(name, pid) : Result.Failure("register: malformed PID");
            else r = p.Context.Register(name);
            return Ok(lua, r);
        })),
        ("reg_lookup", Fn((lua, p) =>
        {
            var r = p.Context.Lookup(Str(lua, 1) ?? "");
            if (!r.Ok) return Err(lua, r.Error);
            LuaNative.PushText(lua, r.Value.ToString());
            return 1;
        })),
        ("reg_unregister", Fn((lua, p) => { lua.PushBoolean(p.Context.Unregister(Str(lua, 1) ?? "")); return 1; })),
        ("chan_new", Fn((lua, p) =>
        {
            if (lua.Type(1) != LuaType.Number || !lua.IsInteger(1) || lua.ToInteger(1) < 0) return Err(lua, "channel.new: size must be a non-negative integer");
            lua.PushInteger(p.Track(lua, p.Context.NewChannel<object?>((int)Math.Min(lua.ToInteger(1), int.MaxValue))));
            return 1;
        })),
        ("chan_close", Fn((lua, p) =>
        {
            if (!p._channels.TryGetValue(lua.ToInteger(1), out var ch)) return Err(lua, "unknown channel");
            return Ok(lua, ch.Close());
        })),
        ("after", Fn((lua, p) =>
        {
            var d = ParseDuration(lua, 1, out var error);
            if (d is null) return Err(lua, error!);
            lua.PushInteger(p.Track(lua, p.Context.After(d.Value)));
            return 1;
        })),
        ("select", Fn((lua, p) => p.Select(lua))),
        ("wait_result", Fn((lua, p) => p.WaitResult(lua))),
        ("take_held", Fn((lua, p) => p.TakeHeld(lua))),
        ("co_spawn", Fn((lua, p) => p.SpawnCoroutine(lua))),
        ("call", Fn((lua, p) => p.StartCall(lua))),
        ("call_end", Fn((lua, p) => p.EndCall(lua))),
        ("reply", Fn((lua, p) => p.Reply(lua))),
        ("traceparent", Fn((lua, p) =>
        {
            // The W3C traceparent of the message its code took last (ASCII), or nil when none was traced.
            if (p.ReceiveSpan is { IdFormat: ActivityIdFormat.W3C, Id: { } id }) LuaNative.PushText(lua, id);
            else lua.PushNil();
            return 1;
        })),
    ];
}
