using System.Runtime.CompilerServices;

namespace Typed.Processes.Lua.StateTests;

/// <summary>Puts every Lua process of this test assembly in a Lua state of its own, before any test runs.</summary>
internal static class StateIsolation
{
    [ModuleInitializer]
    internal static void Force() => LuaOptions.ForcedIsolation = LuaIsolation.State;
}
