using System.Diagnostics;
using KeraLua;

namespace Typed.Processes.Lua;

/// <summary>
/// A Lua process: its own lua_State (isolation), its main running as a coroutine that the host's workers resume, with
/// the coroutines coroutine.spawn starts beside it (LuaProcess.Coroutines.cs).
/// Blocking calls yield from Lua-side code (prelude.lua) after the C# side has queued a waiter; a count hook yields
/// when the time slice is used up (lua_yield in a hook returns normally, no longjmp through managed frames).
/// <para>This file holds its lifecycle (create, run a slice, park and wake, close); the other parts are
/// LuaProcess.Bindings.cs (the tp.* functions the prelude calls), LuaProcess.Select.cs (select and the waits built on
/// it), LuaProcess.Channels.cs (the channels the script holds), LuaProcess.Hook.cs (the count hook and the killer),
/// LuaProcess.MemoryCeiling.cs (unchecked regions, the fatal ceiling, mailbox bytes; the allocator is in
/// <see cref="MemoryBudget"/>) and LuaProcess.Prelude.cs (what the prelude is given).</para>
/// </summary>
internal sealed unsafe partial class LuaProcess : ProcessCore, IPayloadGate
{
    private const int Idle = 0, Running = 1, Waiting = 2, Scheduled = 3;
    private static readonly long SliceTicks = Stopwatch.Frequency / 500; // 2 ms
    [ThreadStatic] private static LuaProcess? s_current;

    private readonly LuaEntry _entry;
    private readonly MemoryBudget _budget;
    private KeraLua.Lua? _state;
    private int _runState = Idle;
    private long _sliceStart;
    private long _cpuTicks; // time spent in slices (introspection), written by the worker running the slice
    private bool _loading;
    private string? _setupError;
    /// <summary>The smallest memory ceiling accepted: the state and the prelude's arguments (allocated before any
    /// lua_pcall can catch a memory error) take about 10 KB; a process needs about 40 KB to run at all.</summary>
    private const long MinMemoryLimit = 32 * 1024;
    private long _loadDeadline;
    /// <summary>How long the top level of an entry's chunk may run (it should only define things).</summary>
    private static readonly long LoadLimitTicks = Stopwatch.Frequency; // 1 s

    private LuaProcess(ProcessRuntime runtime, ProcessHost host, Pid pid, object?[] args, LuaEntry entry, MemoryBudget budget)
        : base(runtime, host, pid, args)
    {
        _entry = entry;
        _budget = budget;
        MailboxHooks = budget.Limit > 0;
    }


    /// <summary>Builds the state and loads the entry synchronously, so that a broken entry fails the spawn.</summary>
    internal static Result<ProcessCore> Create(ProcessRuntime runtime, ProcessHost host, Pid pid, object?[] args, LuaEntry entry)
    {
        LuaTelemetry.Ensure();
        var budget = new MemoryBudget(entry.Options.MemoryLimitBytes);
        var p = new LuaProcess(runtime, host, pid, args, entry, budget);
        string? error;
        // An exception (outside any Lua call: the tp functions catch their own) still fails the spawn, in
        // SpawnCore; the state must not leak with it.
        try { error = p.Setup(); }
        catch { p.CloseState(); throw; }
        if (error is not null)
        {
            p.CloseState();
            return Result<ProcessCore>.Failure(error);
        }
        return Result<ProcessCore>.Success(p);
    }

    private string? Setup()
    {
        if (StandardLibraries.Error is { } libError) return libError;
        // What a send checks at the gate (CheckPayload), before a state exists: e.g. distinct keys that are one Lua key.
        for (int i = 0; i < Args.Length; i++)
            if (LuaValues.CheckPushable(Args[i]) is { } refused) return $"argument {i + 1}: {refused}";
        if (_budget.Limit is > 0 and < MinMemoryLimit)
            return $"memory limit of {_budget.Limit} bytes is below the minimum of {MinMemoryLimit / 1024} KB";
        var lua = new KeraLua.Lua(MemoryBudget.Allocator, _budget.Handle);
        _state = lua;
        Interlocked.Increment(ref _entry.OpenStates);
        // Everything here outside lua_pcall and lua_load runs unprotected: a memory error would reach the panic
        // handler and abort the host. So the pushes below run with the ceiling lifted (BeginUnchecked: a fixed
        // ~10 KB with the state, hence MinMemoryLimit), and the ceiling is enforced inside the protected calls only.
        if (!LuaNative.CheckStack(lua, 8)) return "cannot create a Lua state";
        // tp: the C# side of the modules and the standard libraries' openers, handed to the prelude as its argument
        // (never a global); the prelude opens the libraries and compiles the manifest's library.lua modules
        // (load_lib) under this lua_pcall, so a memory error there is a status.
        var gc = BeginUnchecked(lua, 0);
        lua.NewTable();
        foreach (var (name, fn) in Functions) { lua.PushCFunction(fn); lua.SetField(-2, name); }
        foreach (var (name, fn) in ModuleFunctions) { lua.PushCFunction(fn); lua.SetField(-2, name); }
        lua.PushCFunction(Alive); lua.SetField(-2, "alive");
        foreach (var (name, open) in StandardLibraries.Openers) { StandardLibraries.PushCFunction(lua.Handle, open, 0); lua.SetField(-2, name); }
        LuaNative.PushText(lua, WaitMarker); lua.SetField(-2, "WAIT");
        LuaNative.PushText(lua, CollectMarker); lua.SetField(-2, "COLLECT");
        EndUnchecked(lua, gc);
        if (LuaNative.Load(lua, PreludeBytecode, "=prelude", "b") != LuaStatus.OK) return "prelude: " + LuaNative.ToText(lua, -1);
        lua.Insert(-2); // [prelude, tp]
        var t = s_current; s_current = this;
        try
        {
            if (lua.PCall(1, 1, 0) != LuaStatus.OK) return _setupError ?? "prelude: " + LuaNative.ToText(lua, -1);
            if (_budget.Doomed) return "prelude: not enough memory";
            // stack: [thread]: the main coroutine, created by the prelude (under this lua_pcall) with the runner on its
            // stack; it stays at index 1 of the state's stack, which keeps it alive
            byte[] code;
            try { code = _entry.Bytecode; }
            catch (InvalidOperationException ex) { return ex.Message; }
            if (LuaNative.Load(lua, code, "@" + _entry.ChunkName, "b") != LuaStatus.OK) return LuaNative.ToText(lua, -1);
            // The chunk's top level runs here, synchronously in the spawner's call: the count hook stops it (with the
            // killer) once it has run for LoadLimit or hit the memory ceiling, so a loop at load time fails the spawn
            // instead of holding the spawner's thread. Coroutines it creates inherit the hook.
            lua.SetHook(CountHook, LuaHookMask.Count, 1000);
            _loadDeadline = Stopwatch.GetTimestamp() + LoadLimitTicks;
            _loading = true;
            _current = new Coroutine(lua, false, -1); // holds what a receive at load time may hold (tp.take_held)
            var loaded = lua.PCall(0, 1, 0);
            _current = null;
            _loading = false;
            // The ceiling is fatal at load time too, even if the top level caught the memory error with pcall.
            if (_budget.Doomed) return $"loading {_entry.ChunkName}: not enough memory";
            if (loaded != LuaStatus.OK)
                return Stopwatch.GetTimestamp() > _loadDeadline
                    ? $"loading {_entry.ChunkName}: its top level ran for more than {LoadLimitTicks / Stopwatch.Frequency} s"
                    : $"loading {_entry.ChunkName}: {LuaNative.ToText(lua, -1)}";
        }
        finally { s_current = t; }
        // Spawn arguments are pushed with the ceiling lifted (see BeginUnchecked), so they must fit first: the
        // estimate is an upper bound of what the push allocates.
        long size = 0;
        foreach (var a in Args) size += LuaValues.EstimateSize(a);
        if (!_budget.Fits(size))
            return $"spawn arguments need about {size} bytes in Lua, more than the {Math.Max(0, _budget.Limit - _budget.Used)} bytes " +
                   $"left of the process's memory limit of {_budget.Limit} bytes";
        gc = BeginUnchecked(lua, size);
        KeraLua.Lua? thread = null;
        try
        {
            // stack: [thread, module]; a raw read: a lua_getfield could run a metamethod of the module, unprotected
            if (lua.Type(-1) == LuaType.Table) { LuaNative.PushText(lua, _entry.Method); lua.RawGet(-2); }
            else if (lua.Type(-1) == LuaType.Function && _entry.Method == "main") lua.PushCopy(-1);
            else return $"{_entry.ChunkName} must return a table with a '{_entry.Method}' function (got {lua.TypeName(-1)})";
            if (lua.Type(-1) != LuaType.Function) return $"{_entry.ChunkName} has no function '{_entry.Method}'";
            lua.Remove(-2); // [thread, main]
            thread = lua.ToThread(1);
            var main = new Coroutine(thread, true, 1 + Args.Length);
            _live.Add(main); // from here its wrapper is released with the state
            _ready.Enqueue(main);
            lua.XMove(thread, 1); // thread stack: [runner, main]
            if (!LuaNative.CheckStack(thread, Args.Length + 2)) return $"too many spawn arguments ({Args.Length})";
            for (int i = 0; i < Args.Length; i++)
                if (LuaValues.Push(thread, Args[i], this) is { } error) return $"argument {i + 1}: {error}";
        }
        finally { EndUnchecked(lua, gc); }
        // Coroutines the script creates inherit this hook (lua_newthread copies it), so the killer reaches them too.
        thread!.SetHook(CountHook, LuaHookMask.Count, 1000);
        return null;
    }

    public string? CheckPayload(object? payload) => LuaValues.CheckPushable(payload);

    /// <inheritdoc/>
    internal override long? MemoryBytes => _budget.Used + _budget.External;

    /// <inheritdoc/>
    internal override TimeSpan? CpuTime => Stopwatch.GetElapsedTime(0, _cpuTicks);

    // ---- scheduling ------------------------------------------------------------------------------------------

    public override void Execute()
    {
        if (!IsAlive) { CloseState(); return; }
        Interlocked.Exchange(ref _runState, Running);
        TakeWoken();
        if (_ready.Count == 0)
        {
            Park(); // a stale wake-up: no wait is over yet
            return;
        }
        var previous = s_current;
        s_current = this;
        // The span of the message it took last is current while its code runs (its sends carry it on); the worker
        // clears it after the slice (ProcessTelemetry.ClearAmbient).
        if (ReceiveSpan is { } span) Activity.Current = span;
        bool alive;
        RunSlices++;
        try
        {
            _sliceStart = Stopwatch.GetTimestamp();
            alive = RunSlice();
        }
        finally
        {
            s_current = previous;
            _cpuTicks += Stopwatch.GetTimestamp() - _sliceStart;
        }
        if (!alive || !IsAlive) { CloseState(); return; }
        if (_ready.Count > 0)
        {
            // preempted (or yielded): run again later, after the host's other work
            Volatile.Write(ref _runState, Scheduled);
            Host.Scheduler.Schedule(this, yielding: true);
        }
        else Park();
    }

    /// <summary>
    /// Every coroutine of the process waits (or a wake-up came before a wait was over). Dekker-style hand-off with
    /// <see cref="Wake"/>: the waker publishes its waiter's completion, enqueues its coroutine on <see cref="_woken"/>
    /// and then tries the Waiting→Scheduled CAS; the parker publishes Waiting (a full fence) and then checks that
    /// queue itself. Whoever wins the CAS schedules the process, so a wake-up is never lost and never doubled. The
    /// wake-up queue is the only flag: an earlier version kept a separate "wake pending" flag that a late reset by one
    /// waker could clear after the next waker had set it (a rare hang under load).
    /// </summary>
    private void Park()
    {
        Interlocked.Exchange(ref _runState, Waiting);
        if ((!_woken.IsEmpty || !IsAlive) && Interlocked.CompareExchange(ref _runState, Scheduled, Waiting) == Waiting)
            Host.Scheduler.Schedule(this);
    }

    /// <summary>Called by a completed waiter (any thread) after it enqueued its coroutine on <see cref="_woken"/>:
    /// resume the process once it has parked.</summary>
    internal void Wake()
    {
        if (Interlocked.CompareExchange(ref _runState, Scheduled, Waiting) == Waiting)
            Host.Scheduler.Schedule(this);
    }

    protected override void OnDied(ExitInfo info)
    {
        // Wake a waiting coroutine so that its state is closed on a worker (never concurrently with a slice).
        if (Interlocked.CompareExchange(ref _runState, Scheduled, Waiting) == Waiting) Host.Scheduler.Schedule(this);
    }

    /// <summary>
    /// Closes the state. Bounded in time: lua_close runs no user code. It would run the finalizers of objects marked
    /// for finalization, with hooks off, but the sandbox's setmetatable never marks one (see prelude.lua); and it
    /// closes the to-be-closed variables of the main thread only, where no user code is pending once Setup is over
    /// (the process's code runs in its coroutines, whose pending variables lua_close does not run).
    /// </summary>
    internal override void Discard() => CloseState();

    private void CloseState()
    {
        var lua = Interlocked.Exchange(ref _state, null);
        if (lua is null) return;
        Interlocked.Decrement(ref _entry.OpenStates);
        _ready.Clear();
        _woken.Clear();
        ReleaseCoroutines(lua);
        var used = _budget.Used;
        lua.Close();
        _budget.Dispose();
        NativeHeapTrimmer.Released(used);
    }

}
