using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using KeraLua;
using Typed.Processes.Channels;

namespace Typed.Processes.Lua;

// The process's coroutines: main and those coroutine.spawn starts. Each is a Lua thread of the process's state that
// C# resumes itself (never a script's coroutine.resume), with its own wait; the worker that runs a slice resumes them
// in turn (FIFO) until none is ready or the slice is used up. See docs/lua.md, "Coroutines".
internal partial class LuaProcess
{
    /// <summary>A coroutine the runtime schedules: main, or one started by coroutine.spawn.</summary>
    private sealed class Coroutine(KeraLua.Lua thread, bool isMain, int startArgs)
    {
        public readonly KeraLua.Lua Thread = thread;
        public readonly IntPtr Handle = thread.Handle;
        public readonly bool IsMain = isMain;
        /// <summary>How many values the first resume passes (main: the runner, main and the spawn arguments); -1 once started.</summary>
        public int StartArgs = startArgs;
        /// <summary>Its wait (a select that found nothing ready), from tp.select until tp.wait_result.</summary>
        public LuaSelectWaiter? Pending;
        public SelectCase[]? PendingCases;
        /// <summary>A received value that did not fit and waits for a collection (tp.take_held).</summary>
        public (int Index, object? Value, bool Ok)? Held;
        /// <summary>Parked on <see cref="Pending"/>: it runs again once a wake-up for a completed wait is taken. Read and
        /// written only by the worker running the process.</summary>
        public bool Waiting;
    }

    /// <summary>The coroutine being resumed (worker only; a stand-in while Setup runs the entry's top level).</summary>
    private Coroutine? _current;
    /// <summary>Coroutines ready to run (worker only).</summary>
    private readonly Queue<Coroutine> _ready = new();
    /// <summary>Coroutines whose wait completed (any thread): a waiter publishes its completion, enqueues its coroutine
    /// here, then wakes the process (see <see cref="Park"/>). An entry may be stale (its coroutine already ran on):
    /// <see cref="TakeWoken"/> checks.</summary>
    private readonly WakeList _woken = new();

    /// <summary>
    /// The wake-ups of a process's coroutines (any thread adds, the worker running the process takes them all): a
    /// lock-free stack, taken in arrival order. It costs nothing while empty, which is what an idle process has (a
    /// ConcurrentQueue's first segment was ~600 bytes of every idle Lua process).
    /// </summary>
    private sealed class WakeList
    {
        internal sealed class Node(Coroutine co, Node? next)
        {
            public readonly Coroutine Co = co;
            public Node? Next = next;
        }

        private Node? _head;

        public bool IsEmpty => Volatile.Read(ref _head) is null;

        /// <summary>Adds a wake-up (a full fence, as the Dekker hand-off with Park needs).</summary>
        public void Enqueue(Coroutine co)
        {
            var node = new Node(co, null);
            Node? head;
            do
            {
                head = Volatile.Read(ref _head);
                node.Next = head;
            }
            while (Interlocked.CompareExchange(ref _head, node, head) != head);
        }

        /// <summary>Takes every wake-up: a list, oldest first.</summary>
        public Node? TakeAll()
        {
            Node? taken = Interlocked.Exchange(ref _head, null), reversed = null;
            while (taken is not null)
            {
                var next = taken.Next;
                taken.Next = reversed;
                reversed = taken;
                taken = next;
            }
            return reversed;
        }

        public void Clear() => Interlocked.Exchange(ref _head, null);
    }

    /// <summary>The coroutines that have not ended, main included (worker only): their KeraLua wrappers are released
    /// with the state (<see cref="ReleaseWrapper"/>).</summary>
    private readonly HashSet<Coroutine> _live = [];

    /// <summary>
    /// KeraLua keeps, in a thread's extra space (the pointer-sized area before its lua_State), a strong GCHandle to
    /// the wrapper it makes for that thread (Lua.FromIntPtr, ToThread) and never frees it: every thread that ever
    /// got a wrapper kept a managed object and a handle for the host's life. This frees the handle the thread's
    /// extra space holds if it is not <paramref name="previous"/> (the handle it held before a wrapper was made: a new
    /// thread's extra space is a copy of the main thread's), and puts <paramref name="previous"/> back. Only once
    /// no C# code will use that thread's wrapper again.
    /// </summary>
    internal static void ReleaseWrapper(IntPtr thread, IntPtr previous)
    {
        var own = Marshal.ReadIntPtr(thread - IntPtr.Size);
        if (own == previous || own == IntPtr.Zero) return;
        Marshal.WriteIntPtr(thread - IntPtr.Size, previous);
        GCHandle.FromIntPtr(own).Free();
    }

    /// <summary>The handle in the extra space of <paramref name="state"/> (see <see cref="ReleaseWrapper"/>).</summary>
    internal static IntPtr ExtraHandle(IntPtr state) => Marshal.ReadIntPtr(state - IntPtr.Size);

    /// <summary>Releases the wrappers of the coroutines still alive when the state closes.</summary>
    private void ReleaseCoroutines(KeraLua.Lua state)
    {
        var shared = ExtraHandle(state.Handle);
        foreach (var co in _live) ReleaseWrapper(co.Handle, shared);
        _live.Clear();
    }

    private void TakeWoken()
    {
        for (var node = _woken.TakeAll(); node is not null; node = node.Next)
        {
            var co = node.Co;
            if (co.Waiting && co.Pending is { Completed: true })
            {
                co.Waiting = false;
                _ready.Enqueue(co);
            }
        }
    }

    /// <summary>
    /// Runs ready coroutines until none is ready, the slice is used up or the process ends. False once the process
    /// has ended.
    /// </summary>
    private bool RunSlice()
    {
        while (_ready.TryDequeue(out var co))
        {
            Resume(co);
            if (!IsAlive) return false;
            TakeWoken();
            if (Stopwatch.GetTimestamp() - _sliceStart > SliceTicks) break;
        }
        return true;
    }

    private void Resume(Coroutine co)
    {
        int nargs = 0;
        if (co.StartArgs >= 0) { nargs = co.StartArgs; co.StartArgs = -1; }
        LuaStatus status;
        int nres;
        _current = co;
        try { status = co.Thread.Resume(null, nargs, out nres); }
        finally { _current = null; }
        // Started once main's first run has ended (it waits, is preempted or returns): what it does before that is
        // done before its supervisor starts the next child.
        if (co.IsMain) MainRuns();
        ExitIfDoomed();
        if (!IsAlive) return;
        var thread = co.Thread;
        switch (status)
        {
            // The prelude yields one value (the wait marker) when it waits; the count hook yields none. Preempted
            // between tp.select and its yield, the coroutine is ready: it yields the marker when resumed.
            case LuaStatus.Yield when co.Pending is not null && nres > 0:
                thread.Pop(nres);
                // A completion seen here runs it at once; one that comes later enqueues a wake-up (TakeWoken).
                if (co.Pending.Completed) _ready.Enqueue(co);
                else co.Waiting = true;
                break;
            case LuaStatus.Yield:
                thread.Pop(nres); // preempted by the hook (or a bare coroutine.yield): its turn comes again
                _ready.Enqueue(co);
                break;
            case LuaStatus.OK when co.IsMain:
                // main returned: the process ends with its result, and the other coroutines with it (Wippy's rule)
                if (!thread.ToBoolean(1))
                {
                    Exit(ExitInfo.Failed(LuaNative.ToText(thread, 2) ?? "error"));
                }
                else
                {
                    var value = LuaValues.ToNet(thread, 2);
                    Exit(value.Ok ? ExitInfo.Normal(value.Value) : ExitInfo.Failed("invalid result: " + value.Error));
                }
                break;
            case LuaStatus.OK:
                // A spawned coroutine returned (its values are dropped), or raised: an error ends the process.
                if (!thread.ToBoolean(1)) Exit(ExitInfo.Failed(LuaNative.ToText(thread, 2) ?? "error"));
                else Forget(co);
                break;
            default:
                Exit(ExitInfo.Failed(status == LuaStatus.ErrMem ? "not enough memory" : LuaNative.ToText(thread, -1) ?? status.ToString()));
                break;
        }
    }

    /// <summary>
    /// Drops a finished spawned coroutine from the prelude's table of coroutines (which kept its thread alive while
    /// only C# resumed it). Allocates nothing and cannot raise: the thread's stack is emptied first (so checkstack
    /// needs no growth), and a raw set of an existing key to nil neither allocates nor runs a metamethod.
    /// </summary>
    private void Forget(Coroutine co)
    {
        _live.Remove(co);
        var t = co.Thread;
        t.SetTop(0);
        if (!LuaNative.CheckStack(t, 5)) return;
        if (PushRecordPart(t, RecordCoroutines))
        {
            t.PushThread();
            t.PushNil();
            t.RawSet(-3);
        }
        t.SetTop(0);
        ReleaseWrapper(co.Handle, ExtraHandle(_state!.Handle));
    }

    /// <summary>
    /// tp.co_spawn(co): schedules a coroutine the prelude's coroutine.spawn created (and put in its table of
    /// coroutines, which keeps it alive). It runs after the caller yields or waits, or at its next preemption.
    /// </summary>
    private int SpawnCoroutine(KeraLua.Lua lua)
    {
        // The top level runs inside the spawner's call: nothing would ever resume the coroutine before main starts,
        // and a wait it queued then would be taken for main's.
        if (_loading) return Err(lua, "coroutine.spawn: not allowed in an entry's top level (it runs inside its spawner's call); spawn from main");
        if (lua.Type(1) != LuaType.Thread) return Err(lua, "coroutine.spawn: expected a coroutine");
        var thread = lua.ToThread(1);
        // The count hook (preemption, the killer), set here whichever thread created it.
        thread.SetHook(CountHook, LuaHookMask.Count, 1000);
        var co = new Coroutine(thread, false, 0);
        _live.Add(co);
        _ready.Enqueue(co);
        lua.PushBoolean(true);
        return 1;
    }
}
