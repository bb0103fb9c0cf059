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

    private static int Err(KeraLua.Lua L, string error, bool falseFirst = false)
    {
        if (falseFirst) L.PushBoolean(false); else L.PushNil();
        LuaNative.PushText(L, Clip(error));
        return 2;
    }

    private static int Ok(KeraLua.Lua L, Result r)
    {
        if (r.Ok) { L.PushBoolean(true); return 1; }
        return Err(L, r.Error);
    }

    /// <summary>
    /// Wraps a C# function of tp. With <paramref name="liftCeiling"/> (all but load_lib) the body runs in an unchecked
    /// region (see <see cref="BeginUnchecked"/>); without, the body allocates only in protected calls and opens its
    /// own region for its pushes.
    /// </summary>
    private static LuaFunction Fn(Func<KeraLua.Lua, LuaProcess, int> body, bool liftCeiling = true) => state =>
    {
        var L = KeraLua.Lua.FromIntPtr(state);
        var p = t_current;
        if (p is null) { L.PushNil(); LuaNative.PushText(L, "not inside a process"); return 2; } // 20 slots are guaranteed
        long gc = liftCeiling ? p.BeginUnchecked(L, 0) : 0; // never 0 for a region
        try
        {
            // A C function is guaranteed LUA_MINSTACK (20) free slots; ours return at most 4 values and deep values
            // check the stack themselves, but this keeps the guarantee explicit.
            if (!LuaNative.CheckStack(L, 8)) return 0;
            return body(L, p);
        }
        catch (Exception ex) // never let an exception cross into native code
        {
            if (gc == 0) gc = p.BeginUnchecked(L, 0);
            L.PushNil();
            LuaNative.PushText(L, Clip(ex.Message));
            return 2;
        }
        finally
        {
            if (gc != 0) p.EndUnchecked(L, gc);
            p.ExitIfDoomed();
        }
    };

    private static string? Str(KeraLua.Lua L, int i) => L.Type(i) == LuaType.String ? LuaNative.ToText(L, i) : null;

    private static string Target(KeraLua.Lua L, int i) => Str(L, i) ?? "";

    private static TimeSpan? ParseDuration(KeraLua.Lua L, int i, out string? error)
    {
        error = null;
        if (L.Type(i) == LuaType.Number) return Duration.TryFromMilliseconds(L.ToNumber(i), out var ms, out error) ? ms : null;
        if (L.Type(i) == LuaType.String && Duration.TryParse(LuaNative.ToText(L, i)!, out var d, out error)) return d;
        error ??= "duration must be a string like \"100ms\" or a number of milliseconds";
        return null;
    }

    // The C# side of the modules. Invariant the killer relies on (see s_hook and prelude.lua): none of these calls
    // back into Lua (no lua_call, no API that can run a metamethod: tables are read with lua_next/raw reads and
    // built fresh, strings read with lua_tolstring), so no managed frame is ever between a Lua error and the
    // lua_resume/lua_pcall that catches it.
    private static readonly (string Name, LuaFunction Fn)[] Functions =
    [
        ("pid", Fn((L, p) => { LuaNative.PushText(L, p.Pid.ToString()); return 1; })),
        ("log", Fn((L, p) => { p.Context.Log(LuaNative.ToText(L, 1) ?? ""); return 0; })),
        ("now", Fn((L, p) => { L.PushNumber(p.Runtime.Time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0); return 1; })),
        ("load_lib", Fn((L, p) =>
        {
            // Compiles the manifest's i-th library.lua module for the prelude, from its UTF-8 bytes and under the real
            // ceiling (lua_load is protected: a syntax or memory error is a status, and the spawn fails).
            int i = (int)L.ToInteger(1) - 1;
            if (i < 0 || i >= p._entry.Libraries.Count) return 0;
            var lib = p._entry.Libraries[i];
            if (LuaNative.Load(L, Encoding.UTF8.GetBytes(lib.Source), "@" + lib.ChunkName, "t") != LuaStatus.OK)
            {
                p._setupError = LuaNative.ToText(L, -1);
                return 1; // the error message instead of a function: the prelude stops there
            }
            var gc = p.BeginUnchecked(L, 0);
            try { LuaNative.PushText(L, lib.Name); } // the name as UTF-8: require compares bytes
            finally { p.EndUnchecked(L, gc); }
            return 2;
        }, liftCeiling: false)),
        ("unlisten", Fn((L, p) => { L.PushBoolean(Str(L, 1) is { } topic && ((ProcessCore)p).Unlisten(topic)); return 1; })),
        ("spawn", Fn((L, p) =>
        {
            // An entry's top level runs inside its spawner's call (Setup), on the spawner's thread: a top level that
            // spawned would nest a Setup per level, and one that spawns its own entry overflowed the C stack and
            // aborted the host ("Stack overflow", exit 134). The process does not exist yet either.
            if (p._loading) return Err(L, "spawn: not allowed in an entry's top level (it runs inside its spawner's call); spawn from main");
            var mode = Str(L, 1);
            var entry = Str(L, 2);
            var host = Str(L, 3);
            if (entry is null) return Err(L, "spawn: entry reference must be a string");
            if (host is null) return Err(L, "spawn: host reference must be a string");
            int top = L.GetTop();
            var args = new object?[Math.Max(0, top - 3)];
            for (int i = 4; i <= top; i++)
            {
                var v = LuaValues.ToNet(L, i);
                if (!v.Ok) return Err(L, $"argument {i - 3}: {v.Error}");
                args[i - 4] = v.Value;
            }
            var r = mode switch
            {
                "monitored" => p.Context.SpawnMonitored(entry, host, args),
                "linked" => p.Context.SpawnLinked(entry, host, args),
                _ => p.Context.Spawn(entry, host, args),
            };
            if (!r.Ok) return Err(L, r.Error);
            LuaNative.PushText(L, r.Value.ToString());
            return 1;
        })),
        ("send", Fn((L, p) =>
        {
            var dest = Str(L, 1);
            var topic = Str(L, 2);
            if (dest is null) return Err(L, "send: destination must be a PID or a registered name", true);
            if (topic is null) return Err(L, "send: topic must be a string", true);
            int top = L.GetTop();
            var values = new List<object?>();
            for (int i = 3; i <= Math.Max(3, top); i++)
            {
                var v = LuaValues.ToNet(L, i);
                if (!v.Ok) return Err(L, v.Error, true); // nothing delivered
                values.Add(v.Value);
            }
            foreach (var v in values)
            {
                var r = p.Context.Send(dest, topic, v);
                if (!r.Ok) return Err(L, r.Error, true);
            }
            L.PushBoolean(true);
            return 1;
        })),
        ("listen", Fn((L, p) =>
        {
            var topic = Str(L, 1);
            if (string.IsNullOrEmpty(topic)) return Err(L, "listen: topic must be a non-empty string");
            var core = (ProcessCore)p;
            var r = L.ToBoolean(2)
                ? core.Listen(topic, new MessageListener(new ProcessChannel<Message>(-1, ChannelKind.Topic, p)))
                : core.Listen(topic, new PayloadListener<object?>(new ProcessChannel<object?>(-1, ChannelKind.Topic, p)));
            if (!r.Ok) return Err(L, r.Error);
            L.PushInteger(p.Track(L, r.Value));
            return 1;
        })),
        ("inbox", Fn((L, p) => { L.PushInteger(p.Track(L, p.Context.Inbox())); return 1; })),
        ("events", Fn((L, p) => { L.PushInteger(p.Track(L, p.Context.Events())); return 1; })),
        ("monitor", Fn((L, p) => Ok(L, p.Context.Monitor(Target(L, 1))))),
        ("unmonitor", Fn((L, p) => Ok(L, p.Context.Unmonitor(Target(L, 1))))),
        ("link", Fn((L, p) => Ok(L, p.Context.Link(Target(L, 1))))),
        ("unlink", Fn((L, p) => Ok(L, p.Context.Unlink(Target(L, 1))))),
        ("terminate", Fn((L, p) => Ok(L, p.Context.Terminate(Target(L, 1))))),
        ("cancel", Fn((L, p) =>
        {
            var d = ParseDuration(L, 2, out var error);
            return d is null ? Err(L, error!) : Ok(L, p.Context.Cancel(Target(L, 1), d.Value));
        })),
        ("set_options", Fn((L, p) => Ok(L, p.Context.SetOptions(new ProcessOptions { TrapLinks = L.ToBoolean(1) })))),
        ("get_trap_links", Fn((L, p) => { L.PushBoolean(p.TrapLinks); return 1; })),
        ("reg_register", Fn((L, p) =>
        {
            var name = Str(L, 1);
            if (name is null) return Err(L, "register: name must be a string", true);
            Result r;
            if (L.Type(2) == LuaType.String)
                r = Pid.TryParse(LuaNative.ToText(L, 2), out var pid) ? p.Context.Register(name, pid) : Result.Failure("register: malformed PID");
            else r = p.Context.Register(name);
            if (r.Ok) { L.PushBoolean(true); return 1; }
            return Err(L, r.Error, true);
        })),
        ("reg_lookup", Fn((L, p) =>
        {
            var r = p.Context.Lookup(Str(L, 1) ?? "");
            if (!r.Ok) return Err(L, r.Error);
            LuaNative.PushText(L, r.Value.ToString());
            return 1;
        })),
        ("reg_unregister", Fn((L, p) => { L.PushBoolean(p.Context.Unregister(Str(L, 1) ?? "")); return 1; })),
        ("chan_new", Fn((L, p) =>
        {
            if (L.Type(1) != LuaType.Number || !L.IsInteger(1) || L.ToInteger(1) < 0) return Err(L, "channel.new: size must be a non-negative integer");
            L.PushInteger(p.Track(L, p.Context.NewChannel<object?>((int)Math.Min(L.ToInteger(1), int.MaxValue))));
            return 1;
        })),
        ("chan_close", Fn((L, p) =>
        {
            if (!p._channels.TryGetValue(L.ToInteger(1), out var ch)) return Err(L, "unknown channel");
            return Ok(L, ch.Close());
        })),
        ("after", Fn((L, p) =>
        {
            var d = ParseDuration(L, 1, out var error);
            if (d is null) return Err(L, error!);
            L.PushInteger(p.Track(L, p.Context.After(d.Value)));
            return 1;
        })),
        ("select", Fn((L, p) => p.Select(L))),
        ("wait_result", Fn((L, p) => p.WaitResult(L))),
        ("take_held", Fn((L, p) => p.TakeHeld(L))),
    ];
}
