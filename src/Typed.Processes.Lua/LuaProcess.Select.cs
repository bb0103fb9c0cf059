using KeraLua;
using Typed.Processes.Channels;

namespace Typed.Processes.Lua;

// channel.select and every wait built on it (receive, send, time.sleep): the waiter, the pending cases and the
// value held for a receive that must collect garbage first (each kept by the coroutine that waits, see
// LuaProcess.Coroutines.cs).
internal partial class LuaProcess
{
    private int Select(KeraLua.Lua lua)
    {
        // true: with a default case; false: may wait; "nowait": a coroutine of the script, which cannot (prelude.lua).
        // Only the coroutine C# resumed may wait (main or a spawned one): C# resumes it when the wait is over.
        bool nonblocking = lua.Type(1) == LuaType.Boolean && lua.ToBoolean(1);
        bool mayWait = lua.Type(1) == LuaType.Boolean && _current is { } current && lua.Handle == current.Handle;
        int n = (int)lua.ToInteger(2);
        var cases = new SelectCase[n];
        for (int i = 0; i < n; i++)
        {
            int b = 3 + 3 * i;
            if (!_channels.TryGetValue(lua.ToInteger(b), out var ch))
            {
                return SelectError(lua, $"select case {i + 1}: not a channel of this process");
            }
            if (lua.ToBoolean(b + 1))
            {
                var v = LuaValues.ToNet(lua, b + 2);
                if (!v.Ok) return SelectError(lua, v.Error);
                if (ch.Kind != ChannelKind.Local) return SelectError(lua, "cannot send on the process's own channels");
                // What a send buffers is held for this process: it must fit in what is left of its ceiling.
                if (!_budget.Fits(LuaValues.EstimateSize(v.Value)))
                {
                    _budget.Doomed = true; // the ceiling is fatal (see ExitIfDoomed)
                    return SelectError(lua, "not enough memory");
                }
                cases[i] = ((ProcessChannel<object?>)ch).CaseSend(v.Value);
            }
            else cases[i] = new SelectCase(ch, false, null);
        }
        int idx = ProcessChannel.SelectCore(cases, null, out var value, out var ok);
        if (idx >= 0) Settle(cases[idx], value = Take(cases[idx], value, ok), ok);
        if (idx < 0 && nonblocking) { LuaNative.PushText(lua, "default"); return 1; }
        // The top level runs inside the spawner's call and cannot wait; a wait queued from a coroutine there would
        // stay pending when the process starts (its first slice would park on it instead of running main).
        if (idx < 0 && _loading) return SelectError(lua, "cannot wait in an entry's top level (it runs inside its spawner's call)");
        if (idx < 0 && !mayWait)
            return SelectError(lua, "cannot wait in a coroutine the script created (receive, send, select and time.sleep wait only in main and in coroutines started by coroutine.spawn)");
        // Inside a C function that calls back into Lua (table.sort's comparator, a string.gsub callback, a __tostring
        // run by tostring, load's reader) the prelude's yield would fail after the waiter was queued: that stale
        // waiter then took the next message or value, which no receive ever saw. Refused before anything is queued.
        if (idx < 0 && !lua.IsYieldable)
            return SelectError(lua, "cannot wait inside a function called by a C function (a table.sort comparator, a string.gsub callback, a metamethod such as __tostring): the coroutine cannot yield there");
        if (idx < 0)
        {
            var co = _current!;
            var waiter = new LuaSelectWaiter(this, co);
            idx = ProcessChannel.SelectCore(cases, waiter, out value, out ok);
            if (idx >= 0) Settle(cases[idx], value = Take(cases[idx], value, ok), ok);
            if (idx < 0)
            {
                co.PendingCases = cases;
                co.Pending = waiter;
                BeginWait(waiter);
                LuaNative.PushText(lua, WaitMarker);
                return 1;
            }
        }
        return PushReady(lua, idx, value, ok);
    }

    private int WaitResult(KeraLua.Lua lua)
    {
        var co = _current;
        if (co?.Pending is not { } w || co.PendingCases is not { } cases || lua.Handle != co.Handle) return SelectError(lua, "no wait to take");
        co.Pending = null;
        co.PendingCases = null;
        w.UnregisterAll();
        EndWait(w);
        if (w.AbortReason is { } reason) return SelectError(lua, "process terminated: " + reason);
        var value = Take(cases[w.CaseIndex], w.Value, w.Ok);
        Settle(cases[w.CaseIndex], value, w.Ok);
        return PushReady(lua, w.CaseIndex, value, w.Ok);
    }

    /// <summary>A received value as the script sees it (see <see cref="ProcessChannel.Taken"/>): a message queued with
    /// telemetry starts this process's receive span here, current for its code until its next receive.</summary>
    private static object? Take(in SelectCase c, object? value, bool ok) =>
        ok && !c.IsSend && c.Channel is { } channel ? channel.Taken(value) : value;

    /// <summary>Keeps <see cref="MemoryBudget.External"/>: a value sent into one of the process's own channels is
    /// held for it until it receives it back (only this process can use its channels).</summary>
    private void Settle(in SelectCase c, object? received, bool ok)
    {
        if (!ok || c.Channel is not { Kind: ChannelKind.Local }) return;
        _budget.External += c.IsSend ? LuaValues.EstimateSize(c.Value) : -LuaValues.EstimateSize(received);
    }

    private static int SelectError(KeraLua.Lua lua, string error)
    {
        LuaNative.PushText(lua, "error");
        LuaNative.PushText(lua, Clip(error));
        return 2;
    }

    /// <summary>
    /// Pushes a received value, which must fit in what is left of the memory ceiling (the push itself runs with the
    /// ceiling lifted). If it does not fit, the value is held and the prelude is asked to collect garbage and take
    /// it again (tp.take_held): uncollected garbage alone must not kill a process. If it still does not fit, the
    /// process ends with "not enough memory".
    /// </summary>
    private int PushReady(KeraLua.Lua lua, int idx, object? value, bool ok)
    {
        long size = LuaValues.EstimateSize(value); // a walk of the payload: once per receive
        var co = _current!; // tp.select, tp.wait_result and tp.take_held run in a coroutine C# resumed, or at load time
        if (!_budget.Fits(size))
        {
            if (co.Held is null)
            {
                co.Held = (idx, value, ok);
                LuaNative.PushText(lua, CollectMarker);
                return 1;
            }
            co.Held = null;
            Exit(ExitInfo.Failed("not enough memory"));
            return SelectError(lua, "not enough memory");
        }
        co.Held = null;
        if (!LuaNative.CheckStack(lua, 4)) return SelectError(lua, "Lua stack overflow");
        LuaNative.PushText(lua, "ready");
        lua.PushInteger(idx + 1);
        var region = BeginUnchecked(lua, size);
        string? error;
        int top = lua.GetTop();
        try { error = LuaValues.Push(lua, value, this); }
        catch (Exception ex) { lua.SetTop(top); error = ExceptionText.MessageOf(ex); } // the prelude expects "error", msg
        finally { EndUnchecked(lua, region); }
        if (error is not null)
        {
            lua.Pop(2);
            return SelectError(lua, "cannot receive: " + error);
        }
        lua.PushBoolean(ok);
        return 4;
    }

    private int TakeHeld(KeraLua.Lua lua)
    {
        if (_current?.Held is not { } h) return SelectError(lua, "nothing to take");
        return PushReady(lua, h.Index, h.Value, h.Ok);
    }

    private sealed class LuaSelectWaiter : Waiter
    {
        private readonly LuaProcess _process;
        private readonly Coroutine _coroutine;
        public LuaSelectWaiter(LuaProcess process, Coroutine coroutine) { _process = process; _coroutine = coroutine; Owner = process; }
        public bool Completed => Volatile.Read(ref _completed);
        private bool _completed;
        protected override void Wake()
        {
            // Publish the completion and the wake-up before the CAS in LuaProcess.Wake (Interlocked: a full fence), see Park.
            Interlocked.Exchange(ref _completed, true);
            _process._woken.Enqueue(_coroutine);
            _process.Wake();
        }
    }
}
