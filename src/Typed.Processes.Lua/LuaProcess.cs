using System.Diagnostics;
using System.Runtime.InteropServices;
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
    private const int RegMessageMetatable = -1, RegArmKiller = -2;
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
    }

    /// <summary>Builds the state and loads the entry synchronously, so that a broken entry fails the spawn.</summary>
    internal static Result<ProcessCore> Create(ProcessRuntime runtime, ProcessHost host, Pid pid, object?[] args, LuaEntry entry)
    {
        var budget = new MemoryBudget(entry.Options.MemoryLimitBytes);
        var p = new LuaProcess(runtime, host, pid, args, entry, budget);
        var error = p.Setup();
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
        if (_budget.Limit is > 0 and < MinMemoryLimit)
            return $"memory limit of {_budget.Limit} bytes is below the minimum of {MinMemoryLimit / 1024} KB";
        var L = new KeraLua.Lua(s_alloc, _budget.Handle);
        _state = L;
        // tp: the C# side of the modules and the standard libraries' openers, handed to the prelude as its argument
        // (never a global). These few pushes are the only unprotected allocations (a fixed ~10 KB with the state,
        // hence MinMemoryLimit); the prelude opens the libraries and compiles the manifest's library.lua modules
        // (load_lib) under this lua_pcall, so a memory error there is a status.
        L.NewTable();
        foreach (var (name, fn) in Functions) { L.PushCFunction(fn); L.SetField(-2, name); }
        foreach (var (name, open) in StandardLibraries.Openers) { StandardLibraries.PushCFunction(L.Handle, open, 0); L.SetField(-2, name); }
        L.PushString(WaitMarker); L.SetField(-2, "WAIT");
        if (L.LoadBuffer(PreludeBytecode, "=prelude", "b") != LuaStatus.OK) return "prelude: " + L.ToString(-1, false);
        L.Insert(-2); // [prelude, tp]
        var t = t_current; t_current = this;
        try
        {
            if (L.PCall(1, 1, 0) != LuaStatus.OK) return _setupError ?? "prelude: " + L.ToString(-1, false);
            // stack: [thread]: the main coroutine, created by the prelude (under this lua_pcall) with the runner on its
            // stack; it stays at index 1 of the state's stack, which keeps it alive
            byte[] code;
            try { code = _entry.Bytecode; }
            catch (InvalidOperationException ex) { return ex.Message; }
            if (L.LoadBuffer(code, "@" + _entry.ChunkName, "b") != LuaStatus.OK) return L.ToString(-1, false);
            // The chunk's top level runs here, synchronously in the spawner's call: the count hook stops it (with the
            // killer) once it has run for LoadLimit, so a loop at load time fails the spawn instead of holding the
            // spawner's thread. Coroutines it creates inherit the hook.
            L.SetHook(s_hook, LuaHookMask.Count, 1000);
            _loadDeadline = Stopwatch.GetTimestamp() + LoadLimitTicks;
            _loading = true;
            var loaded = L.PCall(0, 1, 0);
            _loading = false;
            if (loaded != LuaStatus.OK)
                return Stopwatch.GetTimestamp() > _loadDeadline
                    ? $"loading {_entry.ChunkName}: its top level ran for more than {LoadLimitTicks / Stopwatch.Frequency} s"
                    : $"loading {_entry.ChunkName}: {L.ToString(-1, false)}";
        }
        finally { t_current = t; }
        // stack: [thread, module]; a raw read: a lua_getfield could run a metamethod of the module, unprotected
        if (L.Type(-1) == LuaType.Table) { L.PushString(_entry.Method); L.RawGet(-2); }
        else if (L.Type(-1) == LuaType.Function && _entry.Method == "main") L.PushCopy(-1);
        else return $"{_entry.ChunkName} must return a table with a '{_entry.Method}' function (got {L.TypeName(-1)})";
        if (L.Type(-1) != LuaType.Function) return $"{_entry.ChunkName} has no function '{_entry.Method}'";
        L.Remove(-2); // [thread, main]
        _thread = L.ToThread(1);
        _threadHandle = _thread.Handle;
        L.XMove(_thread, 1); // thread stack: [runner, main]
        foreach (var a in Args) LuaValues.Push(_thread, a, this);
        // Coroutines the script creates inherit this hook (lua_newthread copies it), so the killer reaches them too.
        _thread.SetHook(s_hook, LuaHookMask.Count, 1000);
        return null;
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
                    Exit(ExitInfo.Failed(_thread.ToString(2, false) ?? "error"));
                }
                else
                {
                    var value = LuaValues.ToNet(_thread, 2);
                    Exit(value.Ok ? ExitInfo.Normal(value.Value) : ExitInfo.Failed("invalid result: " + value.Error));
                }
                CloseState();
                break;
            default:
                var msg = status == LuaStatus.ErrMem ? "not enough memory" : _thread.ToString(-1, false) ?? status.ToString();
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
    private void CloseState()
    {
        var L = Interlocked.Exchange(ref _state, null);
        if (L is null) return;
        _thread = null;
        L.Close();
        _budget.Dispose();
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
            if (Stopwatch.GetTimestamp() > p._loadDeadline) ArmKiller(KeraLua.Lua.FromIntPtr(state), p);
            return;
        }
        bool main = state == p._threadHandle;
        if (p.IsAlive)
        {
            if (main && Stopwatch.GetTimestamp() - p._sliceStart > SliceTicks && p._thread!.IsYieldable) p._thread.Yield(0);
            return;
        }
        if (main && p._thread!.IsYieldable) p._thread.Yield(0);
        else ArmKiller(main ? p._thread! : KeraLua.Lua.FromIntPtr(state), p);
    };

    private static void ArmKiller(KeraLua.Lua L, LuaProcess p)
    {
        if (!L.CheckStack(2)) return;
        L.RawGetInteger(LuaRegistry.Index, RegArmKiller);
        if (L.PCall(0, 0, 0) != LuaStatus.OK) L.Pop(1);
    }

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
        if (delta > 0 && budget.Limit > 0 && budget.Used + delta > budget.Limit) return IntPtr.Zero; // Lua raises "not enough memory"
        var result = (IntPtr)NativeMemory.Realloc((void*)ptr, nsize);
        if (result != IntPtr.Zero) budget.Used += delta;
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
        public long Used; // touched only by the thread running the state
        public IntPtr Handle => GCHandle.ToIntPtr(_handle);
        public void Dispose() { if (_handle.IsAllocated) _handle.Free(); }
    }

    /// <summary>Native memory used by this process's Lua state.</summary>
    internal long LuaMemory => _budget.Used;

    // ---- helpers for the C# functions ------------------------------------------------------------------------

    private const string WaitMarker = "\u0001wait";

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

    private long Track(ProcessChannel ch)
    {
        _channels[ch.Id] = ch;
        return ch.Id;
    }

    private static int Err(KeraLua.Lua L, string error, bool falseFirst = false)
    {
        if (falseFirst) L.PushBoolean(false); else L.PushNil();
        L.PushString(error);
        return 2;
    }

    private static int Ok(KeraLua.Lua L, Result r)
    {
        if (r.Ok) { L.PushBoolean(true); return 1; }
        return Err(L, r.Error);
    }

    private static LuaFunction Fn(Func<KeraLua.Lua, LuaProcess, int> body) => state =>
    {
        var L = KeraLua.Lua.FromIntPtr(state);
        var p = t_current;
        if (p is null) { L.PushNil(); L.PushString("not inside a process"); return 2; }
        try
        {
            return body(L, p);
        }
        catch (Exception ex) // never let an exception cross into native code
        {
            L.PushNil();
            L.PushString(ex.Message);
            return 2;
        }
    };

    private static string? Str(KeraLua.Lua L, int i) => L.Type(i) == LuaType.String ? L.ToString(i, false) : null;

    private static string Target(KeraLua.Lua L, int i) => Str(L, i) ?? "";

    private static TimeSpan? ParseDuration(KeraLua.Lua L, int i, out string? error)
    {
        error = null;
        if (L.Type(i) == LuaType.Number) return TimeSpan.FromMilliseconds(L.ToNumber(i));
        if (L.Type(i) == LuaType.String && Duration.TryParse(L.ToString(i, false), out var d, out error)) return d;
        error ??= "duration must be a string like \"100ms\" or a number of milliseconds";
        return null;
    }

    // The C# side of the modules. Invariant the killer relies on (see s_hook and prelude.lua): none of these calls
    // back into Lua (no lua_call, no API that can run a metamethod: tables are read with lua_next/raw reads and
    // built fresh, strings read with lua_tolstring), so no managed frame is ever between a Lua error and the
    // lua_resume/lua_pcall that catches it.
    private static readonly (string Name, LuaFunction Fn)[] Functions =
    [
        ("pid", Fn((L, p) => { L.PushString(p.Pid.ToString()); return 1; })),
        ("log", Fn((L, p) => { p.Context.Log(L.ToString(1, false) ?? ""); return 0; })),
        ("now", Fn((L, p) => { L.PushNumber(p.Runtime.Time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0); return 1; })),
        ("load_lib", Fn((L, p) =>
        {
            // Compiles the manifest's i-th library.lua module (lua_load is protected: no error escapes) for the prelude.
            int i = (int)L.ToInteger(1) - 1;
            if (i < 0 || i >= p._entry.Libraries.Count) return 0;
            var lib = p._entry.Libraries[i];
            if (L.LoadString(lib.Source, "@" + lib.ChunkName) != LuaStatus.OK)
            {
                p._setupError = L.ToString(-1, false);
                return 1; // the error message instead of a function: the prelude stops there
            }
            L.PushString(lib.Name);
            return 2;
        })),
        ("unlisten", Fn((L, p) => { L.PushBoolean(Str(L, 1) is { } topic && ((ProcessCore)p).Unlisten(topic)); return 1; })),
        ("spawn", Fn((L, p) =>
        {
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
            L.PushString(r.Value.ToString());
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
            L.PushInteger(p.Track(r.Value));
            return 1;
        })),
        ("inbox", Fn((L, p) => { L.PushInteger(p.Track(p.Context.Inbox())); return 1; })),
        ("events", Fn((L, p) => { L.PushInteger(p.Track(p.Context.Events())); return 1; })),
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
                r = Pid.TryParse(L.ToString(2, false), out var pid) ? p.Context.Register(name, pid) : Result.Failure("register: malformed PID");
            else r = p.Context.Register(name);
            if (r.Ok) { L.PushBoolean(true); return 1; }
            return Err(L, r.Error, true);
        })),
        ("reg_lookup", Fn((L, p) =>
        {
            var r = p.Context.Lookup(Str(L, 1) ?? "");
            if (!r.Ok) return Err(L, r.Error);
            L.PushString(r.Value.ToString());
            return 1;
        })),
        ("reg_unregister", Fn((L, p) => { L.PushBoolean(p.Context.Unregister(Str(L, 1) ?? "")); return 1; })),
        ("chan_new", Fn((L, p) =>
        {
            if (L.Type(1) != LuaType.Number || !L.IsInteger(1) || L.ToInteger(1) < 0) return Err(L, "channel.new: size must be a non-negative integer");
            L.PushInteger(p.Track(p.Context.NewChannel<object?>((int)Math.Min(L.ToInteger(1), int.MaxValue))));
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
            L.PushInteger(p.Track(p.Context.After(d.Value)));
            return 1;
        })),
        ("select", Fn((L, p) => p.Select(L))),
        ("wait_result", Fn((L, p) => p.WaitResult(L))),
    ];

    // ---- select ----------------------------------------------------------------------------------------------

    private int Select(KeraLua.Lua L)
    {
        bool nonblocking = L.ToBoolean(1);
        int n = (int)L.ToInteger(2);
        var cases = new SelectCase[n];
        for (int i = 0; i < n; i++)
        {
            int b = 3 + 3 * i;
            if (!_channels.TryGetValue(L.ToInteger(b), out var ch))
            {
                L.PushString("error"); L.PushString($"select case {i + 1}: not a channel of this process"); return 2;
            }
            if (L.ToBoolean(b + 1))
            {
                var v = LuaValues.ToNet(L, b + 2);
                if (!v.Ok) { L.PushString("error"); L.PushString(v.Error); return 2; }
                if (ch.Kind != ChannelKind.Local) { L.PushString("error"); L.PushString("cannot send on the process's own channels"); return 2; }
                cases[i] = ((ProcessChannel<object?>)ch).CaseSend(v.Value);
            }
            else cases[i] = new SelectCase(ch, false, null);
        }
        int idx = ProcessChannel.SelectCore(cases, null, out var value, out var ok);
        if (idx < 0 && nonblocking) { L.PushString("default"); return 1; }
        if (idx < 0)
        {
            var waiter = new LuaSelectWaiter(this);
            idx = ProcessChannel.SelectCore(cases, waiter, out value, out ok);
            if (idx < 0)
            {
                _pending = waiter;
                BeginWait(waiter);
                L.PushString(WaitMarker);
                return 1;
            }
        }
        return PushReady(L, idx, value, ok);
    }

    private int WaitResult(KeraLua.Lua L)
    {
        var w = _pending!;
        _pending = null;
        w.UnregisterAll();
        EndWait(w);
        if (w.AbortReason is { } reason) { L.PushString("error"); L.PushString("process terminated: " + reason); return 2; }
        return PushReady(L, w.CaseIndex, w.Value, w.Ok);
    }

    private int PushReady(KeraLua.Lua L, int idx, object? value, bool ok)
    {
        L.PushString("ready");
        L.PushInteger(idx + 1);
        LuaValues.Push(L, value, this);
        L.PushBoolean(ok);
        return 4;
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
