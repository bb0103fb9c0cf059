using System.Runtime.InteropServices;
using KeraLua;

namespace Typed.Processes.Lua;

// What the prelude (prelude.lua) is given and leaves: its bytecode, the standard libraries' openers, the markers
// it understands and the registry slots it fills (LuaState.Reg*); and the making of a state (NewState).
internal unsafe partial class LuaProcess
{
    private const int RegMessageMetatable = LuaState.RegMessageMetatable, RegArmKiller = LuaState.RegArmKiller,
        RegProcs = LuaState.RegProcs, RegNewProcess = LuaState.RegNewProcess;

    /// <summary>
    /// Makes a state and runs the prelude in it (charged to the state's own budget: no process runs), entered by the
    /// calling thread; null and the error if the prelude fails. <paramref name="shared"/>: the stdlib is loaded now,
    /// for all the state's processes.
    /// </summary>
    internal static LuaState? NewState(bool shared, LuaStatePool? pool, out string? error)
    {
        error = StandardLibraries.Error;
        if (error is not null) return null;
        var state = LuaState.CreateEntered(shared, pool);
        var lua = state.Main;
        var previous = s_current;
        s_current = null; // the prelude runs for the state, not for a process (tp functions called now fail)
        try
        {
            // tp: the C# side of the modules and the standard libraries' openers, handed to the prelude as its argument
            // (never a global). Built outside lua_pcall: the state's own budget has no ceiling, so only the host's
            // memory running out could fail it.
            if (!LuaNative.CheckStack(lua, 8)) { error = "cannot create a Lua state"; return Fail(); }
            lua.NewTable();
            foreach (var (name, fn) in Functions) { lua.PushCFunction(fn); lua.SetField(-2, name); }
            foreach (var (name, fn) in ModuleFunctions) { lua.PushCFunction(fn); lua.SetField(-2, name); }
            lua.PushCFunction(Alive); lua.SetField(-2, "alive");
            lua.PushCFunction(Proc); lua.SetField(-2, "proc");
            lua.PushCFunction(MemoryKb); lua.SetField(-2, "memory_kb");
            lua.PushCFunction(LoadStdlib); lua.SetField(-2, "load_stdlib");
            foreach (var (name, open) in StandardLibraries.Openers) { StandardLibraries.PushCFunction(lua.Handle, open, 0); lua.SetField(-2, name); }
            LuaNative.PushText(lua, WaitMarker); lua.SetField(-2, "WAIT");
            LuaNative.PushText(lua, CollectMarker); lua.SetField(-2, "COLLECT");
            lua.PushBoolean(shared); lua.SetField(-2, "SHARED");
            if (LuaNative.Load(lua, PreludeBytecode, "=prelude", "b") != LuaStatus.OK) { error = "prelude: " + LuaNative.ToText(lua, -1); return Fail(); }
            lua.Insert(-2); // [prelude, tp]
            if (lua.PCall(1, 0, 0) != LuaStatus.OK) { error = "prelude: " + LuaNative.ToText(lua, -1); return Fail(); }
            lua.SetTop(0);
            return state;
        }
        finally { s_current = previous; }

        LuaState? Fail()
        {
            state.Close();
            state.Leave();
            return null;
        }
    }

    /// <summary>
    /// tp.proc(): the running process's record (prelude.lua, new_process), or nil. A raw function (no Fn wrapper): it
    /// allocates nothing (lua_rawgeti of existing tables) and cannot raise; called by most of the prelude's functions.
    /// </summary>
    private static readonly LuaFunction Proc = state =>
    {
        var p = s_current;
        if (p is null || !p._registered) { LuaNative.PushNil(state); return 1; }
        _ = LuaNative.RawGetI(state, (int)LuaRegistry.Index, RegProcs);
        _ = LuaNative.RawGetI(state, -1, p.Pid.Id);
        LuaNative.Remove(state, -2);
        return 1;
    };

    /// <summary>tp.memory_kb(): what the running process's code allocated and is still alive, in KB (collectgarbage("count")).</summary>
    private static readonly LuaFunction MemoryKb = state =>
    {
        var p = s_current;
        LuaNative.PushNumber(state, p is null ? 0 : p._budget.Used / 1024.0);
        return 1;
    };

    /// <summary>tp.load_stdlib(): the stdlib chunk, or the error message (lua_load is protected: a memory error is a
    /// status). Raw: it runs when a shared state is made, with no process.</summary>
    private static readonly LuaFunction LoadStdlib = state => OnThread(state, lua =>
    {
        LuaNative.Load(lua, StdlibBytecode, "=stdlib", "b");
        return 1;
    });

    /// <summary>
    /// The standard libraries' openers (luaopen_*), from the same native library KeraLua binds ("lua54"). Pushed as
    /// light C functions: the prelude calls those it keeps, so io and package are never opened at all.
    /// </summary>
    private static class StandardLibraries
    {
        internal static readonly (string Name, IntPtr Open)[] Openers = [];
        internal static readonly delegate* unmanaged[Cdecl]<IntPtr, IntPtr, int, void> PushCFunction;
        internal static readonly string? Error;

        static StandardLibraries()
        {
            try
            {
                var lib = NativeLibrary.Load("lua54", typeof(KeraLua.Lua).Assembly, null);
                PushCFunction = (delegate* unmanaged[Cdecl]<IntPtr, IntPtr, int, void>)NativeLibrary.GetExport(lib, "lua_pushcclosure");
                Openers = [.. new[] { "base", "string", "table", "math", "utf8", "coroutine", "os", "debug" }
                    .Select(n => ("open_" + n, NativeLibrary.GetExport(lib, "luaopen_" + n)))];
            }
            catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
            {
                Error = "the Lua runtime's standard libraries cannot be found: " + ex.Message;
            }
        }
    }


    private const string WaitMarker = "\u0001wait";
    private const string CollectMarker = "\u0001collect";

    private static readonly byte[] PreludeBytecode = LuaEntry.Compile(LoadResource("Typed.Processes.Lua.prelude.lua"), "prelude", strip: true);

    private static string LoadResource(string name)
    {
        using var s = typeof(LuaProcess).Assembly.GetManifestResourceStream(name)!;
        using var r = new StreamReader(s);
        return r.ReadToEnd();
    }

    internal static void SetMessageMetatable(KeraLua.Lua lua)
    {
        lua.RawGetInteger(LuaRegistry.Index, RegMessageMetatable);
        lua.SetMetaTable(-2);
    }
}
