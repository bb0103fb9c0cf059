using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using KeraLua;

namespace Typed.Processes.Lua;

/// <summary>
/// A lua_State and the processes that live in it: many (<see cref="LuaIsolation.Shared"/>, a host's states, see
/// <see cref="LuaStatePool"/>) or one (<see cref="LuaIsolation.State"/>). What runs in it (the prelude's setup, a
/// spawn, a process's slice, a close) runs with the state entered by one thread at a time (<see cref="TryEnter()"/>).
/// <para><b>Scheduling.</b> A process is still the host's work item: its run enters its state, runs its slice and then
/// the slices of the state's other processes that became ready meanwhile (<see cref="Run"/>), for at most
/// <see cref="DrainTicks"/>; a process woken by a process of the same state (a message, a closed channel) is run that
/// way, next, with no trip through the host's queue. A process whose state is busy on another worker is left to that
/// worker (<see cref="_pending"/>). So a state moves between the host's workers with its processes.</para>
/// <para><b>Memory.</b> Every block the state allocates carries, in a header of <see cref="Header"/> bytes, the
/// <see cref="MemoryBudget"/> it is charged to: the running process's (<see cref="Current"/>), or the state's own
/// (<see cref="Own"/>: the prelude, the libraries, compiled entries) when none runs. A block stays charged to its
/// owner until it is freed, whoever frees it (the collector runs during any process's allocations), so a process's
/// <see cref="MemoryBudget.Used"/> is exactly what it allocated and is still alive, headers included.</para>
/// </summary>
internal sealed unsafe class LuaState
{
    // Registry slots the prelude fills (under the state's setup lua_pcall, so no C# call allocates for them): negative
    // integer keys, which luaL_ref never uses. Reading them (lua_rawgeti) allocates nothing and cannot raise.
    internal const int RegMessageMetatable = -1, RegArmKiller = -2, RegProcs = -3, RegNewProcess = -4;

    /// <summary>Bytes before every block: the GCHandle of the budget it is charged to (8 bytes keep Lua's alignment).</summary>
    internal const int Header = 8;

    /// <summary>How long one run of the state may go on with the slices of its other ready processes before it hands
    /// them back to the host's queue (so that the host's other work runs too).</summary>
    private static readonly long DrainTicks = Stopwatch.Frequency / 500; // 2 ms

    [ThreadStatic] private static int s_held;

    private GCHandle _self;
    private int _owner; // managed thread id of the thread inside, 0 = none
    private int _depth;
    private long _enteredAt; // when the thread inside entered (Stopwatch ticks)
    private int _waiters; // threads waiting to enter (Enter): a run lets them in after its current slice
    private bool _closed;
    private readonly ConcurrentQueue<LuaProcess> _pending = new();
    private readonly Dictionary<object, int> _functions = [];

    private LuaState(bool shared, LuaStatePool? pool)
    {
        Shared = shared;
        Pool = pool;
        _self = GCHandle.Alloc(this);
        Main = new KeraLua.Lua(Allocator, GCHandle.ToIntPtr(_self));
    }

    /// <summary>Creates a state, entered by the calling thread (the caller runs the prelude in it).</summary>
    internal static LuaState CreateEntered(bool shared, LuaStatePool? pool)
    {
        var state = new LuaState(shared, pool);
        if (!state.TryEnter()) throw new UnreachableException("a new state is entered by its creator");
        return state;
    }

    internal KeraLua.Lua Main { get; }

    /// <summary>Shared by the processes of a host (false: one process's own state).</summary>
    internal bool Shared { get; }

    internal LuaStatePool? Pool { get; }

    /// <summary>What the state allocates when no process runs in it: the prelude, the libraries, compiled entries.</summary>
    internal MemoryBudget Own { get; } = new(0);

    /// <summary>The budget new blocks are charged to (the running process's), or null for <see cref="Own"/>. Read and
    /// written only by the thread inside.</summary>
    internal MemoryBudget? Current;

    /// <summary>Processes whose Lua part lives here (set up and not closed yet). Thread inside only.</summary>
    internal int Processes;

    /// <summary>The pool no longer gives it out (its host stopped): it closes with its last process.</summary>
    internal bool Retired;

    /// <summary>Number of states the current thread is inside.</summary>
    internal static int HeldCount => s_held;

    /// <summary>True if the current thread is inside this state.</summary>
    internal bool HeldHere => Volatile.Read(ref _owner) == Environment.CurrentManagedThreadId;

    /// <summary>Enters the state if no other thread is inside (re-entrant).</summary>
    internal bool TryEnter()
    {
        int me = Environment.CurrentManagedThreadId;
        if (Volatile.Read(ref _owner) == me)
        {
            _depth++;
            return true;
        }
        if (Interlocked.CompareExchange(ref _owner, me, 0) != 0) return false;
        _depth = 1;
        _enteredAt = Stopwatch.GetTimestamp();
        s_held++;
        return true;
    }

    /// <summary>How long a thread may have been inside before the state counts as stuck (<see cref="Stuck"/>): a run is
    /// one slice and the drain, a few ms; a process looping inside a call that cannot yield (a table.sort comparator)
    /// holds its state until it returns or is stopped.</summary>
    internal static readonly TimeSpan StuckTime = TimeSpan.FromMilliseconds(50);

    private static readonly long StuckTicks = (long)(StuckTime.TotalSeconds * Stopwatch.Frequency);

    /// <summary>A thread has been inside for longer than <see cref="StuckTicks"/>.</summary>
    internal bool Stuck => Volatile.Read(ref _owner) != 0 && Stopwatch.GetTimestamp() - Volatile.Read(ref _enteredAt) > StuckTicks;

    /// <summary>
    /// Waits up to <paramref name="timeout"/> to enter. Only by a thread inside no other state (see
    /// <see cref="LuaStatePool.Enter"/>): a thread inside a state never waits for another, so no two wait for each
    /// other. The thread inside lets a waiter in after its current slice (<see cref="Run"/>).
    /// </summary>
    internal bool TryEnter(TimeSpan timeout)
    {
        if (TryEnter()) return true;
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        Interlocked.Increment(ref _waiters);
        try
        {
            var spin = new SpinWait();
            while (!TryEnter())
            {
                if (Stopwatch.GetTimestamp() > deadline) return false;
                spin.SpinOnce(sleep1Threshold: -1); // yields, never sleeps a whole millisecond: a run is a few µs to ms
            }
            return true;
        }
        finally { Interlocked.Decrement(ref _waiters); }
    }

    internal void Leave()
    {
        if (--_depth > 0) return;
        s_held--;
        // A full fence (not a release write): Kick's read of _pending must not move before this store, else a process
        // queued meanwhile by a thread that still saw this one inside (Run, Defer) is seen by neither.
        Interlocked.Exchange(ref _owner, 0);
        Kick();
    }

    // ---- running processes ---------------------------------------------------------------------------------------

    /// <summary>Runs <paramref name="first"/>'s slice, then those of the state's other ready processes for up to
    /// <see cref="DrainTicks"/>; if the state is busy, the worker inside runs it.</summary>
    internal void Run(LuaProcess first)
    {
        if (!TryEnter())
        {
            Defer(first);
            return;
        }
        long start = Stopwatch.GetTimestamp();
        try
        {
            first.RunHeld();
            while (!_closed && Volatile.Read(ref _waiters) == 0 && Stopwatch.GetTimestamp() - start < DrainTicks &&
                   _pending.TryDequeue(out var next))
                next.RunHeld();
        }
        finally { Leave(); }
    }

    /// <summary>A process of this state is ready (woken, preempted, or to be closed): run by the thread inside if it is
    /// the current thread (after the running slice, no scheduler hop), else queued on its host.</summary>
    internal void Schedule(LuaProcess p, bool yielding)
    {
        if (HeldHere) _pending.Enqueue(p);
        else p.Host.Scheduler.Schedule(p, yielding);
    }

    /// <summary>A process of this state waits for the thread inside to run it (read by that thread).</summary>
    internal bool OthersReady => !_pending.IsEmpty;

    /// <summary>Leaves <paramref name="p"/> to the thread inside (or, if none, to the host's queue).</summary>
    internal void Defer(LuaProcess p)
    {
        _pending.Enqueue(p);
        Kick();
    }

    /// <summary>Processes wait in <see cref="_pending"/> and no thread is inside: one goes to its host's queue, and its run
    /// takes the others. Called after every leave and every deferral, so none is left behind: an item queued while a
    /// thread was inside is seen by that thread's leave.</summary>
    private void Kick()
    {
        if (_pending.IsEmpty || Volatile.Read(ref _owner) != 0) return;
        // A process closed meanwhile (queued twice: woken and deferred) is skipped: its run would not enter the state,
        // and the processes queued after it would wait for the state's next leave, maybe forever.
        while (_pending.TryDequeue(out var p))
        {
            if (p.State is null) continue;
            p.Host.Scheduler.Schedule(p, yielding: true);
            return;
        }
    }

    // ---- compiled functions ------------------------------------------------------------------------------------

    /// <summary>
    /// The registry reference of the function compiled from <paramref name="bytecode"/> (an entry or a library, compiled
    /// as <c>function(_ENV, ...)</c> around its chunk: see <see cref="LuaEntry.CompileFunction"/>), loaded once per state and
    /// charged to the state; 0 and the error if it does not load. Thread inside only.
    /// </summary>
    internal int Function(object key, byte[] bytecode, string chunkName, out string? error)
    {
        error = null;
        if (_functions.TryGetValue(key, out var found)) return found;
        var lua = Main;
        var budget = Current;
        Current = null;
        int top = lua.GetTop();
        try
        {
            if (!LuaNative.CheckStack(lua, 3)) { error = "cannot grow the Lua stack"; return 0; }
            if (LuaNative.Load(lua, bytecode, "@" + chunkName, "b") != LuaStatus.OK || lua.PCall(0, 1, 0) != LuaStatus.OK)
            {
                error = LuaNative.ToText(lua, -1) ?? "cannot load " + chunkName;
                return 0;
            }
            int reference = lua.Ref(LuaRegistry.Index); // the state's own budget has no ceiling: this cannot fail but for the host's memory
            _functions[key] = reference;
            return reference;
        }
        finally
        {
            lua.SetTop(top);
            Current = budget;
        }
    }

    // ---- closing -----------------------------------------------------------------------------------------------

    /// <summary>Closes the state (thread inside; no process left in it, or its one process closing).</summary>
    internal void Close()
    {
        if (_closed) return;
        _closed = true;
        _pending.Clear();
        Pool?.Forget(this);
        Main.Close();
        Own.Close();
        _self.Free();
    }

    internal bool IsClosed => _closed;

    // ---- memory ------------------------------------------------------------------------------------------------

    /// <summary>
    /// The state's allocator (lua_Alloc; user data: this state's GCHandle). A new block is charged to
    /// <see cref="Current"/> (or <see cref="Own"/>) and refused if that would take a process past its ceiling
    /// (<see cref="MemoryBudget.Admit"/>); a freed block is credited to the budget its header names; a grown block is
    /// charged to its owner, checked against the ceiling if the owner is the running process.
    /// </summary>
    internal static readonly LuaAlloc Allocator = (ud, ptr, osize, nsize) =>
    {
        var state = (LuaState)GCHandle.FromIntPtr(ud).Target!;
        if (ptr == IntPtr.Zero)
        {
            if (nsize == 0) return IntPtr.Zero;
            var budget = state.Current ?? state.Own;
            long size = (long)nsize + Header;
            if (!budget.Admit(size, (ptr, osize, nsize))) return IntPtr.Zero; // Lua raises "not enough memory"
            var raw = (byte*)NativeMemory.Alloc((nuint)size);
            if (raw == null) return IntPtr.Zero;
            budget.Used += size;
            budget.Blocks++;
            budget.Refused = default;
            *(IntPtr*)raw = budget.Handle;
            return (IntPtr)(raw + Header);
        }
        var block = (byte*)ptr - Header;
        var owner = (MemoryBudget)GCHandle.FromIntPtr(*(IntPtr*)block).Target!;
        if (nsize == 0)
        {
            NativeMemory.Free(block);
            owner.Used -= (long)osize + Header;
            owner.BlockFreed();
            return IntPtr.Zero;
        }
        long delta = (long)nsize - (long)osize;
        if (delta > 0 && owner == state.Current && !owner.Admit(delta, (ptr, osize, nsize))) return IntPtr.Zero;
        var moved = (byte*)NativeMemory.Realloc(block, (nuint)((long)nsize + Header));
        if (moved == null) return IntPtr.Zero;
        owner.Used += delta;
        if (delta > 0) owner.Refused = default;
        return (IntPtr)(moved + Header);
    };
}

/// <summary>
/// The shared states of one host (<see cref="LuaIsolation.Shared"/>): as many as the host has workers, made when first
/// needed. A process spawned by a Lua process of the same host goes to its spawner's state (the two talk without a
/// scheduler hop); one spawned from elsewhere goes to the next state in turn.
/// </summary>
internal sealed class LuaStatePool
{
    private static readonly ConditionalWeakTable<ProcessHost, LuaStatePool> Pools = new();

    private readonly ProcessHost _host;
    private readonly Lock _gate = new();
    private readonly List<LuaState> _states = [];
    private volatile LuaState[] _snapshot = []; // _states as an array, replaced under _gate on every change
    private int _next;
    private volatile bool _retired;

    private LuaStatePool(ProcessHost host)
    {
        _host = host;
        host.Stopped += Retire;
    }

    internal static LuaStatePool Of(ProcessHost host) => Pools.GetValue(host, h => new LuaStatePool(h));

    /// <summary>What <paramref name="host"/>'s shared states hold for themselves (0 if it has none); read racily.</summary>
    internal static long OwnMemoryOf(ProcessHost host) => Pools.TryGetValue(host, out var pool) ? pool.OwnMemory : 0;

    /// <summary>Memory the host's shared states hold for themselves (prelude, libraries, compiled entries).</summary>
    internal long OwnMemory
    {
        get
        {
            lock (_gate) return _states.Sum(s => s.Own.Used);
        }
    }

    /// <summary>
    /// Enters a state for a new process: its spawner's, if the spawner is a Lua process of this host in a shared state
    /// (the current thread is inside it); else the next one in turn. A thread inside a state never waits for another
    /// (two such threads could wait for each other): it takes any state it can enter at once, or a new one.
    /// Returns a state entered by the current thread, or null and the error if a new state cannot be made.
    /// </summary>
    internal LuaState? Enter(LuaProcess? spawner, out string? error)
    {
        error = null;
        if (spawner?.State is { Shared: true, Retired: false } own && own.Pool == this && own.HeldHere && own.TryEnter()) return own;
        if (_retired) { error = "the host has stopped"; return null; }
        var states = _snapshot;
        if (states.Length < _host.Workers) return Add(out error);
        int start = (int)((uint)Interlocked.Increment(ref _next) % (uint)states.Length);
        // A thread inside another state never waits (it takes a state it can enter at once); one inside none waits for
        // a state that is not stuck, at most StuckTicks. Every state stuck or busy: a new one.
        bool mayWait = LuaState.HeldCount == 0;
        for (int pass = mayWait ? 2 : 1, p = 0; p < pass; p++)
            for (int i = 0; i < states.Length; i++)
            {
                var s = states[(start + i) % states.Length];
                if (p == 0 ? s.TryEnter() : !s.Stuck && s.TryEnter(LuaState.StuckTime))
                {
                    if (!s.IsClosed) return s;
                    s.Leave();
                }
            }
        return Add(out error);
    }

    private LuaState? Add(out string? error)
    {
        var state = LuaProcess.NewState(shared: true, this, out error);
        if (state is null) return null;
        lock (_gate)
        {
            if (_retired)
            {
                state.Retired = true;
                state.Close();
                state.Leave();
                error = "the host has stopped";
                return null;
            }
            _states.Add(state);
            _snapshot = [.. _states];
        }
        return state;
    }

    internal void Forget(LuaState state)
    {
        lock (_gate)
        {
            _states.Remove(state);
            _snapshot = [.. _states];
        }
    }

    /// <summary>The host has stopped: states without processes close now, the others with their last process.</summary>
    private void Retire()
    {
        LuaState[] states;
        lock (_gate)
        {
            _retired = true;
            states = [.. _states];
        }
        foreach (var s in states)
        {
            if (!s.TryEnter(TimeSpan.FromSeconds(2))) continue; // its worker is stuck in process code
            try
            {
                s.Retired = true;
                if (s.Processes == 0) s.Close();
            }
            finally { s.Leave(); }
        }
    }
}
