using KeraLua;
using Typed.Processes.Channels;

namespace Typed.Processes.Lua;

// The channels the script holds: the C# side tracks them by id and forgets those the script can no longer reach.
internal partial class LuaProcess
{
    private readonly Dictionary<long, ProcessChannel> _channels = new();

    private long Track(KeraLua.Lua lua, ProcessChannel ch)
    {
        if (_channels.Count >= _sweepAt) Sweep(lua);
        _channels[ch.Id] = ch;
        return ch.Id;
    }

    /// <summary>The parts of a process's record (prelude.lua, new_process) C# reads: its channels' objects, its coroutines.</summary>
    private const int RecordChannels = 1, RecordCoroutines = 2;

    /// <summary>
    /// Pushes the table <c>procs[id][part]</c> of this process's record (three slots, checked by the caller; the caller
    /// restores the top): true if it is a table. Raw reads only: no allocation, no metamethod, no error.
    /// </summary>
    private bool PushRecordPart(KeraLua.Lua lua, int part) =>
        lua.RawGetInteger(LuaRegistry.Index, RegProcs) == LuaType.Table && lua.RawGetInteger(-1, Pid.Id) == LuaType.Table &&
        lua.RawGetInteger(-1, part) == LuaType.Table;

    private int _sweepAt = MinSweep;
    private const int MinSweep = 1024;

    /// <summary>Channels tracked here (for tests).</summary>
    internal int TrackedChannels => _channels.Count;

    /// <summary>
    /// Forgets the channels whose Lua object the script can no longer reach (the prelude's weak cache, in the
    /// registry, lost it), so that the C# side does not keep every channel a process ever made: 2,000,000
    /// <c>channel.new(0)</c> in a loop held 300 MB of host memory for 100 KB in Lua. Amortised: a sweep runs when the
    /// table has doubled since the last one. Reads only (lua_rawgeti: no allocation, no error, no metamethod). A
    /// channel the script still refers to by its bare id alone (<c>{ __id = n }</c>) is gone after a sweep: "not a
    /// channel of this process".
    /// </summary>
    private void Sweep(KeraLua.Lua lua)
    {
        if (!LuaNative.CheckStack(lua, 5)) return;
        int top = lua.GetTop();
        if (PushRecordPart(lua, RecordChannels))
        {
            List<long>? gone = null;
            foreach (var id in _channels.Keys)
            {
                if (lua.RawGetInteger(-1, id) == LuaType.Nil) (gone ??= []).Add(id);
                lua.Pop(1);
            }
            if (gone is not null) foreach (var id in gone) _channels.Remove(id);
        }
        lua.SetTop(top);
        _sweepAt = Math.Max(MinSweep, 2 * _channels.Count);
    }
}
