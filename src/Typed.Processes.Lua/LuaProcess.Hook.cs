using System.Diagnostics;
using KeraLua;

namespace Typed.Processes.Lua;

// Stopping running Lua code: the count hook (preemption at the end of a slice, the killer once the process must
// stop) and tp.alive, which the sandbox's pcall asks.
internal partial class LuaProcess
{
    /// <summary>
    /// The count hook (every 1,000 instructions, on the process's coroutines, main and spawned, and every coroutine
    /// the script creates). It yields the coroutine C# resumed (main or one coroutine.spawn started) when the slice is
    /// used up or the process is no longer alive, if that coroutine can yield. A coroutine the script created is never
    /// yielded: its coroutine.resume would return as if it had yielded (so a long loop inside a script's coroutine is
    /// not preempted; it still stops on terminate).
    /// While Setup runs an entry's top level, it only arms the killer once the load limit is passed.
    /// When the process is no longer alive (terminated, cancel's deadline passed, memory ceiling) and the running
    /// thread cannot yield (inside table.sort's comparator, a gsub callback, a __tostring...), it arms the prelude's
    /// killer on that thread: a Lua hook that raises an error from Lua code at every instruction. Nothing here may
    /// raise a Lua error: lua_yield in a hook returns normally, lua_checkstack and lua_rawgeti cannot raise, and
    /// lua_pcall catches any error of the arming (a memory error included: it is tried again at the next count).
    /// </summary>
    private static readonly LuaHookFunction CountHook = (state, ar) =>
    {
        var p = s_current;
        if (p is null) return;
        if (p._loading)
        {
            // The top level of the entry runs under Setup's lua_pcall: it is stopped (the spawn fails) once it has
            // run for LoadLimit. Exit is not called: the process does not exist yet.
            if (Stopwatch.GetTimestamp() > p._loadDeadline) ArmKiller(KeraLua.Lua.FromIntPtr(state), p);
            return;
        }
        // A doomed process (its allocation was refused at the ceiling, maybe caught by a pcall) ends here, and so is
        // stopped as a terminated one: yielded if it can, else killed.
        p.ExitIfDoomed();
        var co = p._current;
        bool resumed = co is not null && state == co.Handle;
        // In a shared state, a process that cannot be yielded (inside a call that cannot yield, or in a coroutine of
        // its own) holds every process of its state: once one of them is ready and it has run for HoldLimit, it ends.
        if (p.IsAlive && !(resumed && co!.Thread.IsYieldable) && p._lua is { Shared: true, OthersReady: true } &&
            Stopwatch.GetTimestamp() - p._sliceStart > HoldLimitTicks)
            p.Exit(ExitInfo.Failed($"ran for more than {HoldLimitTicks / Stopwatch.Frequency} s without yielding (inside a call " +
                                   "that cannot yield, or in a coroutine of its own) while processes of its Lua state waited"));
        if (p.IsAlive)
        {
            if (resumed && Stopwatch.GetTimestamp() - p._sliceStart > SliceTicks && co!.Thread.IsYieldable) co.Thread.Yield(0);
            return;
        }
        if (resumed && co!.Thread.IsYieldable) co.Thread.Yield(0);
        else if (resumed) ArmKiller(co!.Thread, p);
        else
        {
            var extra = ExtraHandle(state); // a coroutine of the script: its wrapper is not kept (see ReleaseWrapper)
            ArmKiller(KeraLua.Lua.FromIntPtr(state), p);
            ReleaseWrapper(state, extra);
        }
    };

    /// <summary>
    /// Arms the prelude's killer on <paramref name="lua"/>. Arming allocates a little (stack slots, a CallInfo, a bigger
    /// hook table when a second thread is armed: well under 1 KB), and the process may be at its ceiling, or doomed
    /// with all of its grace taken by the script, which then holds it: without room, every attempt fails and the
    /// process is never stopped. So arming runs with the ceiling lifted by <see cref="ArmSlack"/>; only the prelude's
    /// arm_killer runs meanwhile (and no finalizer: the sandbox marks none), so the script cannot use the lift.
    /// </summary>
    private static void ArmKiller(KeraLua.Lua lua, LuaProcess p)
    {
        p._budget.Allowance += ArmSlack;
        try
        {
            if (!LuaNative.CheckStack(lua, 2)) return;
            lua.RawGetInteger(LuaRegistry.Index, RegArmKiller);
            if (lua.PCall(0, 0, 0) != LuaStatus.OK) lua.Pop(1); // tried again at the next count
        }
        finally { p._budget.Allowance -= ArmSlack; }
    }

    private const long ArmSlack = 16 * 1024;

    /// <summary>How long a process of a shared state may run without yielding while another process of its state is
    /// ready (see <see cref="CountHook"/>).</summary>
    private static readonly long HoldLimitTicks = Stopwatch.Frequency; // 1 s

    /// <summary>
    /// tp.alive, for the sandbox's pcall and xpcall (prelude.lua): false once the process must stop (terminated,
    /// cancel's deadline, memory ceiling; at load time, the top level's time is up). Those catch every error, the
    /// killer's included, and as C functions they run no instruction for the killer to fire on: table.sort(t, pcall)
    /// over elements such as table.concat and a big table ran only C code, for hours, and terminate could not stop it.
    /// A raw function (no Fn wrapper: nothing allocated, nothing to catch), called twice per pcall.
    /// </summary>
    private static readonly LuaFunction Alive = state =>
    {
        var p = s_current;
        LuaNative.PushBoolean(state, p is not null &&
            (p._loading ? Stopwatch.GetTimestamp() <= p._loadDeadline : p.IsAlive && !p._budget.Doomed));
        return 1;
    };
}
