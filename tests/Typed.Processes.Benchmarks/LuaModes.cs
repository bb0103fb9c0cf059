using System.Globalization;
using Typed.Processes.Lua;

namespace Typed.Processes.Benchmarks;

/// <summary>
/// The two Lua isolation modes (issue 13) every Lua scenario measures, each as its own row: processes as coroutines
/// in a shared lua_State (<see cref="LuaIsolation.Shared"/>, the default) and a lua_State per process
/// (<see cref="LuaIsolation.State"/>).
/// </summary>
public static class LuaModes
{
    public const string SharedRow = "Typed.Processes (Lua, shared state)";
    public const string StateRow = "Typed.Processes (Lua, state per process)";

    /// <summary>Shared first: the targets are judged on it, with the state mode's figure beside.</summary>
    public static readonly LuaIsolation[] All = [LuaIsolation.Shared, LuaIsolation.State];

    public static string RowName(LuaIsolation mode) => mode == LuaIsolation.Shared ? SharedRow : StateRow;

    /// <summary>The manifest spelling, also used to pass the mode to a child process.</summary>
    public static string Arg(LuaIsolation mode) => mode == LuaIsolation.Shared ? "shared" : "state";

    public static LuaIsolation Parse(string arg) => arg switch
    {
        "shared" => LuaIsolation.Shared,
        "state" => LuaIsolation.State,
        _ => throw new ArgumentException("unknown Lua isolation mode " + arg),
    };

    /// <summary>A Lua entry of <paramref name="mode"/> with the default limits otherwise.</summary>
    public static LuaEntry Entry(string reference, string source, string chunk, LuaIsolation mode) =>
        new(reference, source, chunk, options: new LuaOptions { Isolation = mode });

    /// <summary>The state mode's figure, for a target line judged on the shared mode.</summary>
    public static string Beside(string figure) => $"(state per process: {figure})";

    public static string Ratio(double r) => r.ToString("0.00", CultureInfo.InvariantCulture) + "x";
}
