using Xunit;

namespace Typed.Processes.Lua.Tests;

/// <summary>
/// This suite runs twice: as Typed.Processes.Lua.Tests, where each process has its entry's isolation, and as
/// Typed.Processes.Lua.StateTests, which forces every process into a Lua state of its own
/// (<see cref="LuaOptions.ForcedIsolation"/>).
/// </summary>
public class IsolationModeTests
{
    [Fact]
    public void The_suite_runs_in_the_isolation_its_assembly_forces()
    {
        var stateRun = typeof(IsolationModeTests).Assembly.GetName().Name == "Typed.Processes.Lua.StateTests";
        var forced = stateRun ? LuaIsolation.State : (LuaIsolation?)null;
        Assert.Equal(forced, LuaOptions.ForcedIsolation);
        Assert.Equal(forced ?? LuaIsolation.Shared, new LuaOptions().EffectiveIsolation);
        Assert.Equal(LuaIsolation.State, new LuaOptions { Isolation = LuaIsolation.State }.EffectiveIsolation);
    }
}
