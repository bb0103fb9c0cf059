using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using KeraLua;
using Typed.Processes.Channels;

namespace Typed.Processes.Lua;

/// <summary>
/// A Lua process: its own lua_State (isolation), its main running as a coroutine that the host's workers resume.
/// Blocking calls yield from Lua-side code (prelude.lua) after the C# side has queued a waiter; a count hook yields
/// when the time slice is used up (lua_yield in a hook returns normally, no longjmp through managed frames).
/// </summary>
internal sealed unsafe class LuaProcess : ProcessCore, IPayloadGate
{
    private const int Idle = 0, Running = 1, Waiting = 2, Scheduled = 3;
    private static readonly long SliceTicks = Stopwatch.Frequency / 500; // 2 ms
    [ThreadStatic] private static LuaProcess? t_current;

    private readonly LuaEntry _entry;
    private readonly MemoryBudget _budget;
    private KeraLua.Lua? _state;
    private KeraLua.Lua? _thread;
    private int _runState = Idle;
    private bool _started;
    private long _sliceStart;
    private LuaSelectWaiter? _pending;
    private readonly Dictionary<long, ProcessChannel> _channels = new();
    // Registry slots the prelude fills (under its lua_pcall, so no C# call allocates for them): negative integer keys,
    // which luaL_ref never uses. Reading them (lua_rawgeti) allocates nothing and cannot raise.
    private const int RegMessageMetatable = -1, RegArmKiller = -2, RegChannels = -3;
    private IntPtr _threadHandle;
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

    // ---- mailbox bytes -----------------------------------------------------------------------------------------

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

    /// <summary>Builds the state and loads the entry synchronously, so that a broken entry fails the spawn.</summary>
    internal static Result<ProcessCore> Create(ProcessRuntime runtime, ProcessHost host, Pid pid, object?[] args, LuaEntry entry)
    {
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
        var L = new KeraLua.Lua(s_alloc, _budget.Handle);
        _state = L;
        Interlocked.Increment(ref _entry.OpenStates);
        // Everything here outside lua_pcall and lua_load runs unprotected: a memory error would reach the panic
        // handler and abort the host. So the pushes below run with the ceiling lifted (BeginUnchecked: a fixed
        // ~10 KB with the state, hence MinMemoryLimit), and the ceiling is enforced inside the protected calls only.
        if (!LuaNative.CheckStack(L, 8)) return "cannot create a Lua state";
        // tp: the C# side of the modules and the standard libraries' openers, handed to the prelude as its argument
        // (never a global); the prelude opens the libraries and compiles the manifest's library.lua modules
        // (load_lib) under this lua_pcall, so a memory error there is a status.
        var gc = BeginUnchecked(L, 0);
        L.NewTable();
        foreach (var (name, fn) in Functions) { L.PushCFunction(fn); L.SetField(-2, name); }
        L.PushCFunction(s_alive); L.SetField(-2, "alive");
        foreach (var (name, open) in StandardLibraries.Openers) { StandardLibraries.PushCFunction(L.Handle, open, 0); L.SetField(-2, name); }
        LuaNative.PushText(L, WaitMarker); L.SetField(-2, "WAIT");
        LuaNative.PushText(L, CollectMarker); L.SetField(-2, "COLLECT");
        EndUnchecked(L, gc);
        if (LuaNative.Load(L, PreludeBytecode, "=prelude", "b") != LuaStatus.OK) return "prelude: " + LuaNative.ToText(L, -1);
        L.Insert(-2); // [prelude, tp]
        var t = t_current; t_current = this;
        try
        {
            if (L.PCall(1, 1, 0) != LuaStatus.OK) return _setupError ?? "prelude: " + LuaNative.ToText(L, -1);
            if (_budget.Doomed) return "prelude: not enough memory";
            // stack: [thread]: the main coroutine, created by the prelude (under this lua_pcall) with the runner on its
            // stack; it stays at index 1 of the state's stack, which keeps it alive
            byte[] code;
            try { code = _entry.Bytecode; }
            catch (InvalidOperationException ex) { return ex.Message; }
            if (LuaNative.Load(L, code, "@" + _entry.ChunkName, "b") != LuaStatus.OK) return LuaNative.ToText(L, -1);
            // The chunk's top level runs here, synchronously in the spawner's call: the count hook stops it (with the
            // killer) once it has run for LoadLimit or hit the memory ceiling, so a loop at load time fails the spawn
            // instead of holding the spawner's thread. Coroutines it creates inherit the hook.
            L.SetHook(s_hook, LuaHookMask.Count, 1000);
            _loadDeadline = Stopwatch.GetTimestamp() + LoadLimitTicks;
            _loading = true;
            var loaded = L.PCall(0, 1, 0);
            _loading = false;
            // The ceiling is fatal at load time too, even if the top level caught the memory error with pcall.
            if (_budget.Doomed) return $"loading {_entry.ChunkName}: not enough memory";
            if (loaded != LuaStatus.OK)
                return Stopwatch.GetTimestamp() > _loadDeadline
                    ? $"loading {_entry.ChunkName}: its top level ran for more than {LoadLimitTicks / Stopwatch.Frequency} s"
                    : $"loading {_entry.ChunkName}: {LuaNative.ToText(L, -1)}";
        }
        finally { t_current = t; }
        // Spawn arguments are pushed with the ceiling lifted (see BeginUnchecked), so they must fit first: the
        // estimate is an upper bound of what the push allocates.
        long size = 0;
        foreach (var a in Args) size += LuaValues.EstimateSize(a);
        if (!_budget.Fits(size))
            return $"spawn arguments need about {size} bytes in Lua, more than the {Math.Max(0, _budget.Limit - _budget.Used)} bytes " +
                   $"left of the process's memory limit of {_budget.Limit} bytes";
        gc = BeginUnchecked(L, size);
        try
        {
            // stack: [thread, module]; a raw read: a lua_getfield could run a metamethod of the module, unprotected
            if (L.Type(-1) == LuaType.Table) { LuaNative.PushText(L, _entry.Method); L.RawGet(-2); }
            else if (L.Type(-1) == LuaType.Function && _entry.Method == "main") L.PushCopy(-1);
            else return $"{_entry.ChunkName} must return a table with a '{_entry.Method}' function (got {L.TypeName(-1)})";
            if (L.Type(-1) != LuaType.Function) return $"{_entry.ChunkName} has no function '{_entry.Method}'";
            L.Remove(-2); // [thread, main]
            _thread = L.ToThread(1);
            _threadHandle = _thread.Handle;
            L.XMove(_thread, 1); // thread stack: [runner, main]
            if (!LuaNative.CheckStack(_thread, Args.Length + 2)) return $"too many spawn arguments ({Args.Length})";
            for (int i = 0; i < Args.Length; i++)
                if (LuaValues.Push(_thread, Args[i], this) is { } error) return $"argument {i + 1}: {error}";
        }
        finally { EndUnchecked(L, gc); }
        // Coroutines the script creates inherit this hook (lua_newthread copies it), so the killer reaches them too.
        _thread.SetHook(s_hook, LuaHookMask.Count, 1000);
        return null;
    }

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
    private long BeginUnchecked(KeraLua.Lua L, long bytes)
    {
        long credit = bytes + UncheckedSlack;
        _budget.Allowance += credit;
        if (L.GarbageCollector(LuaGC.IsRunning, 0) <= 0) return credit; // stopped (or inside a finalizer): no step runs
        int kb = (int)Math.Min(int.MaxValue / 2, credit / 1024 + 1);
        L.GarbageCollector(LuaGC.Step, -kb);
        L.GarbageCollector(LuaGC.Step, -kb);
        return -credit; // negative: credit to give back
    }

    private void EndUnchecked(KeraLua.Lua L, long region)
    {
        long credit = Math.Abs(region);
        _budget.Allowance -= credit;
        if (region > 0) return;
        int kb = (int)Math.Min(int.MaxValue / 2, credit / 1024 + 1);
        L.GarbageCollector(LuaGC.Step, kb);
        L.GarbageCollector(LuaGC.Step, kb);
    }

    /// <summary>What a C# function may push beyond an estimated payload (markers, PIDs, a clipped error text).</summary>
    private const long UncheckedSlack = 64 * 1024;

    /// <summary>Error texts pushed into Lua are clipped to this many chars (they may quote user input).</summary>
    private const int MaxErrorLength = 4096;

    private static string Clip(string text) => text.Length <= MaxErrorLength ? text : text[..MaxErrorLength] + "...";

    /// <summary>
    /// The ceiling is fatal (as Erlang's max_heap_size): once the allocator refused an allocation for it, the process
    /// ends with "not enough memory" at the next safe point, even if its Lua code caught the error with pcall.
    /// </summary>
    private void ExitIfDoomed()
    {
        if (_budget.Doomed && IsAlive) Exit(ExitInfo.Failed("not enough memory"));
    }

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

    public string? CheckPayload(object? payload) => LuaValues.CheckPushable(payload);

    // ---- scheduling ------------------------------------------------------------------------------------------

    public override void Execute()
    {
        if (!IsAlive) { CloseState(); return; }
        if (_pending is { Completed: false })
        {
            Park(); // a stale wake-up: the wait is not over yet
            return;
        }
        Interlocked.Exchange(ref _runState, Running);
        var previous = t_current;
        t_current = this;
        LuaStatus status;
        int nres;
        try
        {
            int nargs = 0;
            if (!_started) { _started = true; nargs = 1 + Args.Length; }
            _sliceStart = Stopwatch.GetTimestamp();
            status = _thread!.Resume(null, nargs, out nres);
        }
        finally { t_current = previous; }
        ExitIfDoomed();

        if (!IsAlive) { CloseState(); return; }
        switch (status)
        {
            case LuaStatus.Yield when _pending is not null:
                _thread.Pop(nres);
                Park();
                break;
            case LuaStatus.Yield:
                _thread.Pop(nres); // preempted by the hook (or a bare coroutine.yield): run again later
                Volatile.Write(ref _runState, Scheduled);
                Host.Scheduler.Schedule(this, yielding: true);
                break;
            case LuaStatus.OK:
                var ok = _thread.ToBoolean(1);
                if (!ok)
                {
                    Exit(ExitInfo.Failed(LuaNative.ToText(_thread, 2) ?? "error"));
                }
                else
                {
                    var value = LuaValues.ToNet(_thread, 2);
                    Exit(value.Ok ? ExitInfo.Normal(value.Value) : ExitInfo.Failed("invalid result: " + value.Error));
                }
                CloseState();
                break;
            default:
                var msg = status == LuaStatus.ErrMem ? "not enough memory" : LuaNative.ToText(_thread, -1) ?? status.ToString();
                Exit(ExitInfo.Failed(msg));
                CloseState();
                break;
        }
    }

    /// <summary>
    /// The slice ended waiting (or a wake-up came before the wait was over). Dekker-style hand-off with
    /// <see cref="Wake"/>: the waker publishes its waiter's completion and then tries the Waiting→Scheduled CAS; the
    /// parker publishes Waiting (a full fence) and then checks the completion itself. Whoever wins the CAS schedules
    /// the process, so a wake-up is never lost and never doubled. The waiter's own completion is the only flag: an
    /// earlier version kept a separate "wake pending" flag that a late reset by one waker could clear after the next
    /// waker had set it (a rare hang under load).
    /// </summary>
    private void Park()
    {
        Interlocked.Exchange(ref _runState, Waiting);
        if ((_pending is null or { Completed: true } || !IsAlive) && Interlocked.CompareExchange(ref _runState, Scheduled, Waiting) == Waiting)
            Host.Scheduler.Schedule(this);
    }

    /// <summary>Called by a completed waiter (any thread) after it published its completion: resume the coroutine once it has yielded.</summary>
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
    /// (the process's code runs in <see cref="_thread"/>, whose pending variables lua_close does not run).
    /// </summary>
    internal override void Discard() => CloseState();

    private void CloseState()
    {
        var L = Interlocked.Exchange(ref _state, null);
        if (L is null) return;
        Interlocked.Decrement(ref _entry.OpenStates);
        _thread = null;
        var used = _budget.Used;
        L.Close();
        _budget.Dispose();
        NativeHeapTrimmer.Released(used);
    }

    // ---- hook and allocator ----------------------------------------------------------------------------------

    /// <summary>
    /// The count hook (every 1,000 instructions, on the main coroutine and every coroutine the script creates).
    /// It yields the process's main coroutine when the slice is used up or the process is no longer alive, if that
    /// coroutine can yield. A coroutine the script created is never yielded: its coroutine.resume would return as if it
    /// had yielded (so a long loop inside a script's coroutine is not preempted; it still stops on terminate).
    /// While Setup runs an entry's top level, it only arms the killer once the load limit is passed.
    /// When the process is no longer alive (terminated, cancel's deadline passed, memory ceiling) and the running
    /// thread cannot yield (inside table.sort's comparator, a gsub callback, a __tostring...), it arms the prelude's
    /// killer on that thread: a Lua hook that raises an error from Lua code at every instruction. Nothing here may
    /// raise a Lua error: lua_yield in a hook returns normally, lua_checkstack and lua_rawgeti cannot raise, and
    /// lua_pcall catches any error of the arming (a memory error included: it is tried again at the next count).
    /// </summary>
    private static readonly LuaHookFunction s_hook = (state, ar) =>
    {
        var p = t_current;
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
        bool main = state == p._threadHandle;
        if (p.IsAlive)
        {
            if (main && Stopwatch.GetTimestamp() - p._sliceStart > SliceTicks && p._thread!.IsYieldable) p._thread.Yield(0);
            return;
        }
        if (main && p._thread!.IsYieldable) p._thread.Yield(0);
        else ArmKiller(main ? p._thread! : KeraLua.Lua.FromIntPtr(state), p);
    };

    /// <summary>
    /// Arms the prelude's killer on <paramref name="L"/>. Arming allocates a little (stack slots, a CallInfo, a bigger
    /// hook table when a second thread is armed: well under 1 KB), and the process may be at its ceiling, or doomed
    /// with all of its grace taken by the script, which then holds it: without room, every attempt fails and the
    /// process is never stopped. So arming runs with the ceiling lifted by <see cref="ArmSlack"/>; only the prelude's
    /// arm_killer runs meanwhile (and no finalizer: the sandbox marks none), so the script cannot use the lift.
    /// </summary>
    private static void ArmKiller(KeraLua.Lua L, LuaProcess p)
    {
        p._budget.Allowance += ArmSlack;
        try
        {
            if (!LuaNative.CheckStack(L, 2)) return;
            L.RawGetInteger(LuaRegistry.Index, RegArmKiller);
            if (L.PCall(0, 0, 0) != LuaStatus.OK) L.Pop(1); // tried again at the next count
        }
        finally { p._budget.Allowance -= ArmSlack; }
    }

    private const long ArmSlack = 16 * 1024;

    private static readonly LuaAlloc s_alloc = (ud, ptr, osize, nsize) =>
    {
        var budget = (MemoryBudget)GCHandle.FromIntPtr(ud).Target!;
        long old = ptr == IntPtr.Zero ? 0 : (long)osize;
        if (nsize == 0)
        {
            if (ptr != IntPtr.Zero) NativeMemory.Free((void*)ptr);
            budget.Used -= old;
            return IntPtr.Zero;
        }
        long delta = (long)nsize - old;
        if (delta > 0 && budget.Limit > 0 &&
            budget.Used + budget.External + delta > budget.Limit + budget.Allowance + (budget.Doomed ? MemoryBudget.Grace : 0))
        {
            // Lua answers a refusal with an emergency collection and one retry of the same request; only a refused
            // retry (or a refusal once doomed) is fatal, so garbage alone never kills a process.
            if (budget.Refused == (ptr, osize, nsize) || budget.Doomed) budget.Doomed = true;
            else budget.Refused = (ptr, osize, nsize);
            return IntPtr.Zero; // Lua raises "not enough memory"
        }
        var result = (IntPtr)NativeMemory.Realloc((void*)ptr, nsize);
        if (result != IntPtr.Zero)
        {
            budget.Used += delta;
            if (delta > 0) budget.Refused = default;
        }
        return result;
    };

    internal sealed class MemoryBudget : IDisposable
    {
        private GCHandle _handle;
        public MemoryBudget(long limit)
        {
            Limit = limit;
            _handle = GCHandle.Alloc(this);
        }
        public long Limit { get; }
        public long Used; // these are touched only by the thread running the state
        /// <summary>
        /// Bytes the process holds outside its state, charged against the same ceiling: values buffered in its own
        /// channels (channel.new), estimated as they will be pushed. Without it, a process with a 64 MB ceiling
        /// sending a 1 MB string 1,500 times into channel.new(1e9) grew the host to 3 GB resident in 2 s.
        /// </summary>
        public long External;
        /// <summary>Above zero while C# code allocates in the state (see BeginUnchecked): how far the ceiling is lifted.</summary>
        public long Allowance;
        /// <summary>The ceiling refused an allocation: the process ends at the next safe point.</summary>
        public bool Doomed;
        /// <summary>The last refused request, to tell Lua's retry after its emergency collection.</summary>
        public (IntPtr, nuint, nuint) Refused;
        /// <summary>What a doomed process may still allocate beyond its ceiling, so that unwinding (pcall handlers,
        /// error messages) does not fail again at once; freed when the state is closed.</summary>
        public const long Grace = 256 * 1024;
        /// <summary>True if <paramref name="bytes"/> more fit under the ceiling, with what the process holds outside the state.</summary>
        public bool Fits(long bytes) => Limit <= 0 || Used + External + bytes <= Limit;
        public IntPtr Handle => GCHandle.ToIntPtr(_handle);
        public void Dispose() { if (_handle.IsAllocated) _handle.Free(); }
    }

    /// <summary>Native memory used by this process's Lua state.</summary>
    internal long LuaMemory => _budget.Used;

    // ---- helpers for the C# functions ------------------------------------------------------------------------

    private const string WaitMarker = "\u0001wait";
    private const string CollectMarker = "\u0001collect";

    private static readonly byte[] PreludeBytecode = LuaEntry.Compile(LoadPrelude(), "prelude");

    private static string LoadPrelude()
    {
        using var s = typeof(LuaProcess).Assembly.GetManifestResourceStream("Typed.Processes.Lua.prelude.lua")!;
        using var r = new StreamReader(s);
        return r.ReadToEnd();
    }

    internal void SetMessageMetatable(KeraLua.Lua L)
    {
        L.RawGetInteger(LuaRegistry.Index, RegMessageMetatable);
        L.SetMetaTable(-2);
    }

    private long Track(KeraLua.Lua L, ProcessChannel ch)
    {
        if (_channels.Count >= _sweepAt) Sweep(L);
        _channels[ch.Id] = ch;
        return ch.Id;
    }

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
    private void Sweep(KeraLua.Lua L)
    {
        if (!LuaNative.CheckStack(L, 2)) return;
        L.RawGetInteger(LuaRegistry.Index, RegChannels);
        if (L.Type(-1) == LuaType.Table)
        {
            List<long>? gone = null;
            foreach (var id in _channels.Keys)
            {
                if (L.RawGetInteger(-1, id) == LuaType.Nil) (gone ??= []).Add(id);
                L.Pop(1);
            }
            if (gone is not null) foreach (var id in gone) _channels.Remove(id);
        }
        L.Pop(1);
        _sweepAt = Math.Max(MinSweep, 2 * _channels.Count);
    }

    private static int Err(KeraLua.Lua L, string error, bool falseFirst = false)
    {
        if (falseFirst) L.PushBoolean(false); else L.PushNil();
        LuaNative.PushText(L, Clip(error));
        return 2;
    }

    private static int Ok(KeraLua.Lua L, Result r)
    {
        if (r.Ok) { L.PushBoolean(true); return 1; }
        return Err(L, r.Error);
    }

    /// <summary>
    /// Wraps a C# function of tp. With <paramref name="liftCeiling"/> (all but load_lib) the body runs in an unchecked
    /// region (see <see cref="BeginUnchecked"/>); without, the body allocates only in protected calls and opens its
    /// own region for its pushes.
    /// </summary>
    private static LuaFunction Fn(Func<KeraLua.Lua, LuaProcess, int> body, bool liftCeiling = true) => state =>
    {
        var L = KeraLua.Lua.FromIntPtr(state);
        var p = t_current;
        if (p is null) { L.PushNil(); LuaNative.PushText(L, "not inside a process"); return 2; } // 20 slots are guaranteed
        long gc = liftCeiling ? p.BeginUnchecked(L, 0) : 0; // never 0 for a region
        try
        {
            // A C function is guaranteed LUA_MINSTACK (20) free slots; ours return at most 4 values and deep values
            // check the stack themselves, but this keeps the guarantee explicit.
            if (!LuaNative.CheckStack(L, 8)) return 0;
            return body(L, p);
        }
        catch (Exception ex) // never let an exception cross into native code
        {
            if (gc == 0) gc = p.BeginUnchecked(L, 0);
            L.PushNil();
            LuaNative.PushText(L, Clip(ex.Message));
            return 2;
        }
        finally
        {
            if (gc != 0) p.EndUnchecked(L, gc);
            p.ExitIfDoomed();
        }
    };

    private static string? Str(KeraLua.Lua L, int i) => L.Type(i) == LuaType.String ? LuaNative.ToText(L, i) : null;

    private static string Target(KeraLua.Lua L, int i) => Str(L, i) ?? "";

    private static TimeSpan? ParseDuration(KeraLua.Lua L, int i, out string? error)
    {
        error = null;
        if (L.Type(i) == LuaType.Number) return Duration.TryFromMilliseconds(L.ToNumber(i), out var ms, out error) ? ms : null;
        if (L.Type(i) == LuaType.String && Duration.TryParse(LuaNative.ToText(L, i)!, out var d, out error)) return d;
        error ??= "duration must be a string like \"100ms\" or a number of milliseconds";
        return null;
    }

    /// <summary>
    /// tp.alive, for the sandbox's pcall and xpcall (prelude.lua): false once the process must stop (terminated,
    /// cancel's deadline, memory ceiling; at load time, the top level's time is up). Those catch every error, the
    /// killer's included, and as C functions they run no instruction for the killer to fire on: table.sort(t, pcall)
    /// over elements such as table.concat and a big table ran only C code, for hours, and terminate could not stop it.
    /// A raw function (no Fn wrapper: nothing allocated, nothing to catch), called twice per pcall.
    /// </summary>
    private static readonly LuaFunction s_alive = state =>
    {
        var p = t_current;
        LuaNative.PushBoolean(state, p is not null &&
            (p._loading ? Stopwatch.GetTimestamp() <= p._loadDeadline : p.IsAlive && !p._budget.Doomed));
        return 1;
    };

    // The C# side of the modules. Invariant the killer relies on (see s_hook and prelude.lua): none of these calls
    // back into Lua (no lua_call, no API that can run a metamethod: tables are read with lua_next/raw reads and
    // built fresh, strings read with lua_tolstring), so no managed frame is ever between a Lua error and the
    // lua_resume/lua_pcall that catches it.
    private static readonly (string Name, LuaFunction Fn)[] Functions =
    [
        ("pid", Fn((L, p) => { LuaNative.PushText(L, p.Pid.ToString()); return 1; })),
        ("log", Fn((L, p) => { p.Context.Log(LuaNative.ToText(L, 1) ?? ""); return 0; })),
        ("now", Fn((L, p) => { L.PushNumber(p.Runtime.Time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0); return 1; })),
        ("load_lib", Fn((L, p) =>
        {
            // Compiles the manifest's i-th library.lua module for the prelude, from its UTF-8 bytes and under the real
            // ceiling (lua_load is protected: a syntax or memory error is a status, and the spawn fails).
            int i = (int)L.ToInteger(1) - 1;
            if (i < 0 || i >= p._entry.Libraries.Count) return 0;
            var lib = p._entry.Libraries[i];
            if (LuaNative.Load(L, Encoding.UTF8.GetBytes(lib.Source), "@" + lib.ChunkName, "t") != LuaStatus.OK)
            {
                p._setupError = LuaNative.ToText(L, -1);
                return 1; // the error message instead of a function: the prelude stops there
            }
            var gc = p.BeginUnchecked(L, 0);
            try { LuaNative.PushText(L, lib.Name); } // the name as UTF-8: require compares bytes
            finally { p.EndUnchecked(L, gc); }
            return 2;
        }, liftCeiling: false)),
        ("unlisten", Fn((L, p) => { L.PushBoolean(Str(L, 1) is { } topic && ((ProcessCore)p).Unlisten(topic)); return 1; })),
        ("spawn", Fn((L, p) =>
        {
            // An entry's top level runs inside its spawner's call (Setup), on the spawner's thread: a top level that
            // spawned would nest a Setup per level, and one that spawns its own entry overflowed the C stack and
            // aborted the host ("Stack overflow", exit 134). The process does not exist yet either.
            if (p._loading) return Err(L, "spawn: not allowed in an entry's top level (it runs inside its spawner's call); spawn from main");
            var mode = Str(L, 1);
            var entry = Str(L, 2);
            var host = Str(L, 3);
            if (entry is null) return Err(L, "spawn: entry reference must be a string");
            if (host is null) return Err(L, "spawn: host reference must be a string");
            int top = L.GetTop();
            var args = new object?[Math.Max(0, top - 3)];
            for (int i = 4; i <= top; i++)
            {
                var v = LuaValues.ToNet(L, i);
                if (!v.Ok) return Err(L, $"argument {i - 3}: {v.Error}");
                args[i - 4] = v.Value;
            }
            var r = mode switch
            {
                "monitored" => p.Context.SpawnMonitored(entry, host, args),
                "linked" => p.Context.SpawnLinked(entry, host, args),
                _ => p.Context.Spawn(entry, host, args),
            };
            if (!r.Ok) return Err(L, r.Error);
            LuaNative.PushText(L, r.Value.ToString());
            return 1;
        })),
        ("send", Fn((L, p) =>
        {
            var dest = Str(L, 1);
            var topic = Str(L, 2);
            if (dest is null) return Err(L, "send: destination must be a PID or a registered name", true);
            if (topic is null) return Err(L, "send: topic must be a string", true);
            int top = L.GetTop();
            var values = new List<object?>();
            for (int i = 3; i <= Math.Max(3, top); i++)
            {
                var v = LuaValues.ToNet(L, i);
                if (!v.Ok) return Err(L, v.Error, true); // nothing delivered
                values.Add(v.Value);
            }
            foreach (var v in values)
            {
                var r = p.Context.Send(dest, topic, v);
                if (!r.Ok) return Err(L, r.Error, true);
            }
            L.PushBoolean(true);
            return 1;
        })),
        ("listen", Fn((L, p) =>
        {
            var topic = Str(L, 1);
            if (string.IsNullOrEmpty(topic)) return Err(L, "listen: topic must be a non-empty string");
            var core = (ProcessCore)p;
            var r = L.ToBoolean(2)
                ? core.Listen(topic, new MessageListener(new ProcessChannel<Message>(-1, ChannelKind.Topic, p)))
                : core.Listen(topic, new PayloadListener<object?>(new ProcessChannel<object?>(-1, ChannelKind.Topic, p)));
            if (!r.Ok) return Err(L, r.Error);
            L.PushInteger(p.Track(L, r.Value));
            return 1;
        })),
        ("inbox", Fn((L, p) => { L.PushInteger(p.Track(L, p.Context.Inbox())); return 1; })),
        ("events", Fn((L, p) => { L.PushInteger(p.Track(L, p.Context.Events())); return 1; })),
        ("monitor", Fn((L, p) => Ok(L, p.Context.Monitor(Target(L, 1))))),
        ("unmonitor", Fn((L, p) => Ok(L, p.Context.Unmonitor(Target(L, 1))))),
        ("link", Fn((L, p) => Ok(L, p.Context.Link(Target(L, 1))))),
        ("unlink", Fn((L, p) => Ok(L, p.Context.Unlink(Target(L, 1))))),
        ("terminate", Fn((L, p) => Ok(L, p.Context.Terminate(Target(L, 1))))),
        ("cancel", Fn((L, p) =>
        {
            var d = ParseDuration(L, 2, out var error);
            return d is null ? Err(L, error!) : Ok(L, p.Context.Cancel(Target(L, 1), d.Value));
        })),
        ("set_options", Fn((L, p) => Ok(L, p.Context.SetOptions(new ProcessOptions { TrapLinks = L.ToBoolean(1) })))),
        ("get_trap_links", Fn((L, p) => { L.PushBoolean(p.TrapLinks); return 1; })),
        ("reg_register", Fn((L, p) =>
        {
            var name = Str(L, 1);
            if (name is null) return Err(L, "register: name must be a string", true);
            Result r;
            if (L.Type(2) == LuaType.String)
                r = Pid.TryParse(LuaNative.ToText(L, 2), out var pid) ? p.Context.Register(name, pid) : Result.Failure("register: malformed PID");
            else r = p.Context.Register(name);
            if (r.Ok) { L.PushBoolean(true); return 1; }
            return Err(L, r.Error, true);
        })),
        ("reg_lookup", Fn((L, p) =>
        {
            var r = p.Context.Lookup(Str(L, 1) ?? "");
            if (!r.Ok) return Err(L, r.Error);
            LuaNative.PushText(L, r.Value.ToString());
            return 1;
        })),
        ("reg_unregister", Fn((L, p) => { L.PushBoolean(p.Context.Unregister(Str(L, 1) ?? "")); return 1; })),
        ("chan_new", Fn((L, p) =>
        {
            if (L.Type(1) != LuaType.Number || !L.IsInteger(1) || L.ToInteger(1) < 0) return Err(L, "channel.new: size must be a non-negative integer");
            L.PushInteger(p.Track(L, p.Context.NewChannel<object?>((int)Math.Min(L.ToInteger(1), int.MaxValue))));
            return 1;
        })),
        ("chan_close", Fn((L, p) =>
        {
            if (!p._channels.TryGetValue(L.ToInteger(1), out var ch)) return Err(L, "unknown channel");
            return Ok(L, ch.Close());
        })),
        ("after", Fn((L, p) =>
        {
            var d = ParseDuration(L, 1, out var error);
            if (d is null) return Err(L, error!);
            L.PushInteger(p.Track(L, p.Context.After(d.Value)));
            return 1;
        })),
        ("select", Fn((L, p) => p.Select(L))),
        ("wait_result", Fn((L, p) => p.WaitResult(L))),
        ("take_held", Fn((L, p) => p.TakeHeld(L))),
    ];

    // ---- select ----------------------------------------------------------------------------------------------

    private int Select(KeraLua.Lua L)
    {
        // true: with a default case; false: may wait; "nowait": a coroutine of the script, which cannot (prelude.lua)
        bool nonblocking = L.Type(1) == LuaType.Boolean && L.ToBoolean(1);
        bool mayWait = L.Type(1) == LuaType.Boolean;
        int n = (int)L.ToInteger(2);
        var cases = new SelectCase[n];
        for (int i = 0; i < n; i++)
        {
            int b = 3 + 3 * i;
            if (!_channels.TryGetValue(L.ToInteger(b), out var ch))
            {
                return SelectError(L, $"select case {i + 1}: not a channel of this process");
            }
            if (L.ToBoolean(b + 1))
            {
                var v = LuaValues.ToNet(L, b + 2);
                if (!v.Ok) return SelectError(L, v.Error);
                if (ch.Kind != ChannelKind.Local) return SelectError(L, "cannot send on the process's own channels");
                // What a send buffers is held for this process: it must fit in what is left of its ceiling.
                if (!_budget.Fits(LuaValues.EstimateSize(v.Value)))
                {
                    _budget.Doomed = true; // the ceiling is fatal (see ExitIfDoomed)
                    return SelectError(L, "not enough memory");
                }
                cases[i] = ((ProcessChannel<object?>)ch).CaseSend(v.Value);
            }
            else cases[i] = new SelectCase(ch, false, null);
        }
        int idx = ProcessChannel.SelectCore(cases, null, out var value, out var ok);
        if (idx >= 0) Settle(cases[idx], value, ok);
        if (idx < 0 && nonblocking) { LuaNative.PushText(L, "default"); return 1; }
        // The top level runs inside the spawner's call and cannot wait; a wait queued from a coroutine there would
        // stay pending when the process starts (its first slice would park on it instead of running main).
        if (idx < 0 && _loading) return SelectError(L, "cannot wait in an entry's top level (it runs inside its spawner's call)");
        if (idx < 0 && !mayWait)
            return SelectError(L, "cannot wait in a coroutine the script created (receive, send, select and time.sleep wait only in the process's main coroutine)");
        if (idx < 0)
        {
            var waiter = new LuaSelectWaiter(this);
            idx = ProcessChannel.SelectCore(cases, waiter, out value, out ok);
            if (idx >= 0) Settle(cases[idx], value, ok);
            if (idx < 0)
            {
                _pendingCases = cases;
                _pending = waiter;
                BeginWait(waiter);
                LuaNative.PushText(L, WaitMarker);
                return 1;
            }
        }
        return PushReady(L, idx, value, ok);
    }

    private int WaitResult(KeraLua.Lua L)
    {
        var w = _pending!;
        var cases = _pendingCases!;
        _pending = null;
        _pendingCases = null;
        w.UnregisterAll();
        EndWait(w);
        if (w.AbortReason is { } reason) return SelectError(L, "process terminated: " + reason);
        Settle(cases[w.CaseIndex], w.Value, w.Ok);
        return PushReady(L, w.CaseIndex, w.Value, w.Ok);
    }

    private SelectCase[]? _pendingCases;

    /// <summary>Keeps <see cref="MemoryBudget.External"/>: a value sent into one of the process's own channels is
    /// held for it until it receives it back (only this process can use its channels).</summary>
    private void Settle(in SelectCase c, object? received, bool ok)
    {
        if (!ok || c.Channel is not { Kind: ChannelKind.Local }) return;
        _budget.External += c.IsSend ? LuaValues.EstimateSize(c.Value) : -LuaValues.EstimateSize(received);
    }

    private static int SelectError(KeraLua.Lua L, string error)
    {
        LuaNative.PushText(L, "error");
        LuaNative.PushText(L, Clip(error));
        return 2;
    }

    /// <summary>
    /// Pushes a received value, which must fit in what is left of the memory ceiling (the push itself runs with the
    /// ceiling lifted). If it does not fit, the value is held and the prelude is asked to collect garbage and take
    /// it again (tp.take_held): uncollected garbage alone must not kill a process. If it still does not fit, the
    /// process ends with "not enough memory".
    /// </summary>
    private int PushReady(KeraLua.Lua L, int idx, object? value, bool ok)
    {
        long size = LuaValues.EstimateSize(value); // a walk of the payload: once per receive
        if (!_budget.Fits(size))
        {
            if (_held is null)
            {
                _held = (idx, value, ok);
                LuaNative.PushText(L, CollectMarker);
                return 1;
            }
            _held = null;
            Exit(ExitInfo.Failed("not enough memory"));
            return SelectError(L, "not enough memory");
        }
        _held = null;
        if (!LuaNative.CheckStack(L, 4)) return SelectError(L, "Lua stack overflow");
        LuaNative.PushText(L, "ready");
        L.PushInteger(idx + 1);
        var region = BeginUnchecked(L, size);
        string? error;
        int top = L.GetTop();
        try { error = LuaValues.Push(L, value, this); }
        catch (Exception ex) { L.SetTop(top); error = ExceptionText.MessageOf(ex); } // the prelude expects "error", msg
        finally { EndUnchecked(L, region); }
        if (error is not null)
        {
            L.Pop(2);
            return SelectError(L, "cannot receive: " + error);
        }
        L.PushBoolean(ok);
        return 4;
    }

    private (int Index, object? Value, bool Ok)? _held;

    private int TakeHeld(KeraLua.Lua L)
    {
        if (_held is not { } h) return SelectError(L, "nothing to take");
        return PushReady(L, h.Index, h.Value, h.Ok);
    }

    private sealed class LuaSelectWaiter : Waiter
    {
        private readonly LuaProcess _process;
        public LuaSelectWaiter(LuaProcess process) { _process = process; Owner = process; }
        public bool Completed => Volatile.Read(ref _completed);
        private bool _completed;
        protected override void Wake()
        {
            // Publish the completion before the CAS in LuaProcess.Wake (Interlocked: a full fence), see Park.
            Interlocked.Exchange(ref _completed, true);
            _process.Wake();
        }
    }
}
