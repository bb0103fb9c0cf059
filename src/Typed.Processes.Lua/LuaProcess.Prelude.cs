using System.Runtime.InteropServices;
using KeraLua;

namespace Typed.Processes.Lua;

// What the prelude (prelude.lua) is given and leaves: its bytecode, the standard libraries' openers, the markers
// it understands and the registry slots it fills.
internal unsafe partial class LuaProcess
{
    // Registry slots the prelude fills (under its lua_pcall, so no C# call allocates for them): negative integer keys,
    // which luaL_ref never uses. Reading them (lua_rawgeti) allocates nothing and cannot raise.
    private const int RegMessageMetatable = -1, RegArmKiller = -2, RegChannels = -3, RegCoroutines = -4;

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
