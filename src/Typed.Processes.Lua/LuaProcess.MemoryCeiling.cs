using KeraLua;

namespace Typed.Processes.Lua;

// The process's memory ceiling as the process applies it (the budget and its allocator are MemoryBudget): the
// unchecked regions in which C# code pushes into the state, the fatal ceiling, and the mailbox bytes that count
// against it.
internal partial class LuaProcess
{
    // ---- mailbox bytes -----------------------------------------------------------------------------------------

    /// <summary>Bytes its code allocated in its state and are still alive (read by telemetry from another thread: a plain
    /// read of a long).</summary>
    internal long MemoryInUse => _budget.Used;

    /// <summary>Estimated Lua bytes of the messages queued for this process and not yet received.</summary>
    private long _queuedBytes;

    /// <summary>
    /// Queued payload bytes count against the memory ceiling: a message is refused to its sender when the messages
    /// waiting for this process, itself included, would not fit in the ceiling (estimated as they will be pushed,
    /// <see cref="LuaValues.EstimateSize"/>), so a flood of sends to a Lua process that does not receive stops at about
    /// its ceiling instead of growing the host's memory. The state's own size is deliberately not added: it includes
    /// garbage that only the receiver's next collection frees, and an idle receiver never collects, so senders
    /// would be refused forever. Whether a received message fits the state is checked when it is pushed (after a
    /// collection; a process that still cannot take it ends with "not enough memory").
    /// </summary>
    internal override string? OnMessageQueuing(object? payload)
    {
        long size = LuaValues.EstimateSize(payload);
        long queued = Interlocked.Add(ref _queuedBytes, size);
        if (queued <= _budget.Limit) return null;
        Interlocked.Add(ref _queuedBytes, -size);
        return $"mailbox full: {Pid} cannot take a message of about {size} bytes: {queued - size} bytes of messages " +
               $"are waiting to be received and its memory limit is {_budget.Limit} bytes";
    }

    internal override void OnMessageReleased(object? payload) => Interlocked.Add(ref _queuedBytes, -LuaValues.EstimateSize(payload));

    /// <summary>
    /// Lifts the memory ceiling by <paramref name="bytes"/> plus <see cref="UncheckedSlack"/> while C# code allocates in
    /// the state: a memory error raised by lua_pushlstring, lua_createtable... would longjmp through managed frames (or
    /// abort the host outside a protected call). Callers check first that what they push fits under the ceiling
    /// (<see cref="LuaValues.EstimateSize"/>, an upper bound); small pushes (markers, PIDs, error texts of at most
    /// <see cref="MaxErrorLength"/> chars) fit in the slack.
    /// <para>No Lua code may run meanwhile: a __gc finalizer run by a collection step inside a push would allocate
    /// under the lifted ceiling. The collector is given as much credit as the region may allocate (lua_gc STEP with a
    /// negative size, twice: if the first call ran a step, that step reset the debt), so no step starts inside the
    /// region; the credit is given back at the end (the step that follows runs under the ceiling). Stopping the
    /// collector instead (STOP/RESTART) resets its debt on restart, which starts a new cycle at every call: 100,000
    /// sends with 200,000 live tables went from 2 s to over 20 s.</para>
    /// </summary>
    private long BeginUnchecked(KeraLua.Lua lua, long bytes)
    {
        long credit = bytes + UncheckedSlack;
        _budget.Allowance += credit;
        // A region of small pushes (every tp function's, a small received value) needs no credit: a step inside it runs
        // no Lua code (the sandbox marks no finalizer) and what a step reallocates stays charged to its owner
        // (LuaState); four lua_gc calls per receive were a tenth of a Lua round trip.
        if (bytes <= UncheckedSlack) return credit;
        if (lua.GarbageCollector(LuaGC.IsRunning, 0) <= 0) return credit; // stopped (or inside a finalizer): no step runs
        int kb = (int)Math.Min(int.MaxValue / 2, credit / 1024 + 1);
        lua.GarbageCollector(LuaGC.Step, -kb);
        lua.GarbageCollector(LuaGC.Step, -kb);
        return -credit; // negative: credit to give back
    }

    private void EndUnchecked(KeraLua.Lua lua, long region)
    {
        long credit = Math.Abs(region);
        _budget.Allowance -= credit;
        if (region > 0) return;
        int kb = (int)Math.Min(int.MaxValue / 2, credit / 1024 + 1);
        lua.GarbageCollector(LuaGC.Step, kb);
        lua.GarbageCollector(LuaGC.Step, kb);
    }

    /// <summary>What a C# function may push beyond an estimated payload (markers, PIDs, a clipped error text).</summary>
    private const long UncheckedSlack = 64 * 1024;

    /// <summary>
    /// The ceiling is fatal (as Erlang's max_heap_size): once the allocator refused an allocation for it, the process
    /// ends with "not enough memory" at the next safe point, even if its Lua code caught the error with pcall.
    /// </summary>
    private void ExitIfDoomed()
    {
        if (_budget.Doomed && IsAlive) Exit(ExitInfo.Failed("not enough memory"));
    }
}
