using System.Diagnostics;
using KeraLua;

namespace Typed.Processes.Lua;

/// <summary>
/// A Lua process: a coroutine (its main) with its own globals in a Lua state (<see cref="LuaState"/>) that it shares
/// with other processes of its host (<see cref="LuaIsolation.Shared"/>) or has to itself (<see cref="LuaIsolation.State"/>),
/// resumed by the host's workers, with the coroutines coroutine.spawn starts beside it (LuaProcess.Coroutines.cs).
/// Blocking calls yield from Lua-side code (prelude.lua) after the C# side has queued a waiter; a count hook yields
/// when the time slice is used up (lua_yield in a hook returns normally, no longjmp through managed frames).
/// <para>This file holds its lifecycle (create, run a slice, park and wake, close); the other parts are
/// LuaProcess.Bindings.cs (the tp.* functions the prelude calls), LuaProcess.Select.cs (select and the waits built on
/// it), LuaProcess.Channels.cs (the channels the script holds), LuaProcess.Hook.cs (the count hook and the killer),
/// LuaProcess.MemoryCeiling.cs (unchecked regions, the fatal ceiling, mailbox bytes; the allocator is in
/// <see cref="LuaState"/>) and LuaProcess.Prelude.cs (what the prelude is given, the making of a state).</para>
/// </summary>
internal sealed unsafe partial class LuaProcess : ProcessCore, IPayloadGate
{
    private const int Idle = 0, Running = 1, Waiting = 2, Scheduled = 3;
    private static readonly long SliceTicks = Stopwatch.Frequency / 500; // 2 ms
    [ThreadStatic] private static LuaProcess? s_current;

    private readonly LuaEntry _entry;
    private readonly MemoryBudget _budget;
    /// <summary>Its state (null once its Lua part is closed); <see cref="_state"/> is that state's main thread.</summary>
    private LuaState? _lua;
    private KeraLua.Lua? _state;
    /// <summary>Its record is in the state's table of processes (prelude.lua, new_process), under its PID's id.</summary>
    private bool _registered;
    /// <summary>Discarded before it ever ran (a refused linked spawn...): its next run only closes it.</summary>
    private volatile bool _discarded;
    private int _runState = Idle;
    private long _sliceStart;
    private long _cpuTicks; // time spent in slices (introspection), written by the worker running the slice
    private bool _loading;
    /// <summary>The smallest memory ceiling accepted: what its spawn needs before any lua_pcall can catch a memory
    /// error, and a little to run at all.</summary>
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

    /// <summary>Its state, while its Lua part lives.</summary>
    internal LuaState? State => _lua;

    /// <summary>Sets up the process in a state and runs the entry's top level synchronously, so that a broken entry
    /// fails the spawn.</summary>
    internal static Result<ProcessCore> Create(ProcessRuntime runtime, ProcessHost host, Pid pid, object?[] args, LuaEntry entry)
    {
        LuaTelemetry.Ensure();
        var budget = new MemoryBudget(entry.Options.MemoryLimitBytes);
        var p = new LuaProcess(runtime, host, pid, args, entry, budget);
        string? error;
        // An exception (outside any Lua call: the tp functions catch their own) still fails the spawn, in
        // SpawnCore; the process's part of the state must not leak with it.
        try { error = p.Setup(); }
        catch
        {
            p.Discard();
            throw;
        }
        if (error is not null)
        {
            p.Discard();
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
        // The entry and its libraries compiled once (a syntax error fails the spawn).
        try
        {
            _ = _entry.Bytecode;
            for (int i = 0; i < _entry.Libraries.Count; i++) _entry.LibraryCode(i);
        }
        catch (InvalidOperationException ex) { return ex.Message; }
        string? error;
        var st = _entry.Options.EffectiveIsolation == LuaIsolation.State
            ? NewState(shared: false, null, out error)
            : LuaStatePool.Of(Host).Enter(s_current, out error);
        if (st is null) return error;
        _lua = st;
        _state = st.Main;
        st.Processes++;
        Interlocked.Increment(ref _entry.OpenStates);
        var previous = s_current;
        var budget = st.Current;
        int top = st.Main.GetTop();
        try
        {
            s_current = this;
            return SetupIn(st);
        }
        finally
        {
            st.Main.SetTop(top);
            s_current = previous;
            st.Current = budget;
            st.Leave();
        }
    }

    /// <summary>Setup's part inside the state (entered by this thread; <see cref="s_current"/> is this process).</summary>
    private string? SetupIn(LuaState st)
    {
        var lua = st.Main;
        // The entry's function and its libraries' (prelude.lua, require), loaded once per state, charged to the state.
        int function = st.Function(_entry.Bytecode, _entry.Bytecode, _entry.ChunkName, out var error);
        if (function == 0) return error;
        for (int i = 0; i < _entry.Libraries.Count; i++)
            if (st.Function(_entry.Libraries[i], _entry.LibraryCode(i), _entry.Libraries[i].ChunkName, out error) == 0) return error;
        st.Current = _budget;
        // Everything here outside lua_pcall runs unprotected: a memory error would reach the panic handler and abort the
        // host. So the pushes run in unchecked regions, and the ceiling is enforced inside the protected calls only.
        if (!LuaNative.CheckStack(lua, 8)) return "cannot grow the Lua stack";
        // new_process(id) -> its globals and its main coroutine (the runner on its stack), its record in the state
        lua.RawGetInteger(LuaRegistry.Index, RegNewProcess);
        lua.PushInteger(Pid.Id);
        if (lua.PCall(1, 2, 0) != LuaStatus.OK) return "prelude: " + LuaNative.ToText(lua, -1);
        _registered = true;
        if (_budget.Doomed) return "not enough memory";
        // [env, main_co]: the chunk's top level runs here with its globals, synchronously in the spawner's call: the
        // count hook stops it (with the killer) once it has run for LoadLimit or hit the memory ceiling, so a loop at
        // load time fails the spawn instead of holding the spawner's thread. Coroutines it creates inherit the hook.
        lua.RawGetInteger(LuaRegistry.Index, function);
        lua.PushCopy(-3);
        lua.SetHook(CountHook, LuaHookMask.Count, 1000);
        _loadDeadline = Stopwatch.GetTimestamp() + LoadLimitTicks;
        _loading = true;
        _current = new Coroutine(lua, false, -1); // holds what a receive at load time may hold (tp.take_held)
        var loaded = lua.PCall(1, 1, 0);
        _current = null;
        _loading = false;
        // The ceiling is fatal at load time too, even if the top level caught the memory error with pcall.
        if (_budget.Doomed) return $"loading {_entry.ChunkName}: not enough memory";
        if (loaded != LuaStatus.OK)
            return Stopwatch.GetTimestamp() > _loadDeadline
                ? $"loading {_entry.ChunkName}: its top level ran for more than {LoadLimitTicks / Stopwatch.Frequency} s"
                : $"loading {_entry.ChunkName}: {LuaNative.ToText(lua, -1)}";
        // Spawn arguments are pushed with the ceiling lifted (see BeginUnchecked), so they must fit first: the
        // estimate is an upper bound of what the push allocates.
        long size = 0;
        foreach (var a in Args) size += LuaValues.EstimateSize(a);
        if (!_budget.Fits(size))
            return $"spawn arguments need about {size} bytes in Lua, more than the {Math.Max(0, _budget.Limit - _budget.Used)} bytes " +
                   $"left of the process's memory limit of {_budget.Limit} bytes";
        var gc = BeginUnchecked(lua, size);
        KeraLua.Lua? thread = null;
        try
        {
            // stack: [env, thread, module]; a raw read: a lua_getfield could run a metamethod of the module, unprotected
            if (lua.Type(-1) == LuaType.Table) { LuaNative.PushText(lua, _entry.Method); lua.RawGet(-2); }
            else if (lua.Type(-1) == LuaType.Function && _entry.Method == "main") lua.PushCopy(-1);
            else return $"{_entry.ChunkName} must return a table with a '{_entry.Method}' function (got {lua.TypeName(-1)})";
            if (lua.Type(-1) != LuaType.Function) return $"{_entry.ChunkName} has no function '{_entry.Method}'";
            lua.Remove(-2); // [env, thread, main]
            thread = lua.ToThread(-2);
            var main = new Coroutine(thread, true, 1 + Args.Length);
            _live.Add(main); // from here its wrapper is released with the process
            _ready.Enqueue(main);
            lua.XMove(thread, 1); // thread stack: [runner, main]
            if (!LuaNative.CheckStack(thread, Args.Length + 2)) return $"too many spawn arguments ({Args.Length})";
            for (int i = 0; i < Args.Length; i++)
                if (LuaValues.Push(thread, Args[i], this) is { } pushError) return $"argument {i + 1}: {pushError}";
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
        var st = _lua;
        if (st is null) return; // closed
        st.Run(this);
    }

    /// <summary>Runs a slice (the state is entered by this thread): what <see cref="Execute"/> does once inside.</summary>
    internal void RunHeld()
    {
        var st = _lua;
        if (st is null) return;
        if (_discarded || !IsAlive) { CloseState(); return; }
        Interlocked.Exchange(ref _runState, Running);
        TakeWoken();
        if (_ready.Count == 0)
        {
            Park(); // a stale wake-up: no wait is over yet
            return;
        }
        var previous = s_current;
        var budget = st.Current;
        s_current = this;
        st.Current = _budget;
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
            st.Current = budget;
            _cpuTicks += Stopwatch.GetTimestamp() - _sliceStart;
        }
        if (!alive || !IsAlive) { CloseState(); return; }
        if (_ready.Count > 0)
        {
            // preempted (or yielded): run again later, after the host's other work
            Volatile.Write(ref _runState, Scheduled);
            Reschedule(yielding: true);
        }
        else Park();
    }

    /// <summary>Queues the process to run: after the running slice if this thread is inside its state (no scheduler
    /// hop), else on its host.</summary>
    private void Reschedule(bool yielding = false)
    {
        if (_lua is { } st) st.Schedule(this, yielding);
        else Host.Scheduler.Schedule(this, yielding);
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
            Reschedule();
    }

    /// <summary>Called by a completed waiter (any thread) after it enqueued its coroutine on <see cref="_woken"/>:
    /// resume the process once it has parked.</summary>
    internal void Wake()
    {
        if (Interlocked.CompareExchange(ref _runState, Scheduled, Waiting) == Waiting)
            Reschedule();
    }

    protected override void OnDied(ExitInfo info)
    {
        // Wake a waiting coroutine so that its state is closed on a worker (never concurrently with a slice).
        if (Interlocked.CompareExchange(ref _runState, Scheduled, Waiting) == Waiting) Reschedule();
    }

    /// <summary>
    /// Releases its part of the state: its record (so its globals, coroutines and channels become garbage of the shared
    /// state), or, in a state of its own, the whole state (lua_close). Bounded in time: no user code runs. lua_close
    /// would run the finalizers of objects marked for finalization, with hooks off, but the sandbox's setmetatable never
    /// marks one (see prelude.lua); and it closes the to-be-closed variables of the main thread only, where no user code
    /// is pending (the processes' code runs in their coroutines, whose pending variables are not run).
    /// </summary>
    internal override void Discard()
    {
        _discarded = true;
        CloseState();
    }

    private void CloseState()
    {
        var st = _lua;
        if (st is null) return;
        if (!st.TryEnter())
        {
            // Never waits (the thread inside may be stuck in a process that cannot yield): the thread inside closes it,
            // or the run Defer queues (its next run only closes it: it has ended or was discarded).
            _discarded = true;
            st.Defer(this);
            return;
        }
        try
        {
            if (Interlocked.Exchange(ref _lua, null) is null) return;
            Interlocked.Decrement(ref _entry.OpenStates);
            _ready.Clear();
            _woken.Clear();
            var lua = st.Main;
            ReleaseCoroutines(lua);
            if (_registered && !st.IsClosed && LuaNative.CheckStack(lua, 3))
            {
                // procs[id] = nil: a raw set of an existing key to nil allocates nothing and cannot raise
                lua.RawGetInteger(LuaRegistry.Index, RegProcs);
                lua.PushInteger(Pid.Id);
                lua.PushNil();
                lua.RawSet(-3);
                lua.Pop(1);
                _registered = false;
            }
            _state = null;
            var used = _budget.Used;
            _budget.Close();
            st.Processes--;
            if (!st.Shared || (st.Processes == 0 && st.Retired)) st.Close();
            NativeHeapTrimmer.Released(used);
        }
        finally { st.Leave(); }
    }
}
