using System.Runtime.InteropServices;

namespace Typed.Processes.Lua;

/// <summary>
/// A Lua process's memory ceiling (or a state's own account, with no ceiling): what its code allocated in its state and
/// is still alive (<see cref="LuaState.Allocator"/> charges every block to one budget), what it holds outside the state,
/// and the rule that refuses an allocation past the ceiling. Touched only by the thread inside the state.
/// </summary>
internal sealed class MemoryBudget
{
    private GCHandle _handle;
    private bool _closed;

    public MemoryBudget(long limit)
    {
        Limit = limit;
        _handle = GCHandle.Alloc(this);
    }

    public long Limit { get; }

    /// <summary>Bytes of the state's blocks charged to this budget (their headers included).</summary>
    public long Used;

    /// <summary>Blocks charged to this budget: their headers hold <see cref="Handle"/>, so it lives until the last is freed.</summary>
    public long Blocks;

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
    /// error messages) does not fail again at once.</summary>
    public const long Grace = 256 * 1024;

    /// <summary>True if <paramref name="bytes"/> more fit under the ceiling, with what the process holds outside the state.</summary>
    public bool Fits(long bytes) => Limit <= 0 || Used + External + bytes <= Limit;

    /// <summary>The value block headers hold (see <see cref="LuaState.Header"/>).</summary>
    public IntPtr Handle => GCHandle.ToIntPtr(_handle);

    /// <summary>
    /// Whether <paramref name="delta"/> more bytes may be allocated (<paramref name="request"/>: the allocator's
    /// arguments). Lua answers a refusal with an emergency collection and one retry of the same request; only a
    /// refused retry (or a refusal once doomed) is fatal, so garbage alone never kills a process.
    /// </summary>
    public bool Admit(long delta, (IntPtr, nuint, nuint) request)
    {
        if (Limit <= 0 || Used + External + delta <= Limit + Allowance + (Doomed ? Grace : 0)) return true;
        if (Refused == request || Doomed) Doomed = true;
        else Refused = request;
        return false;
    }

    /// <summary>Its process has ended: the handle is freed once no block names it any more.</summary>
    public void Close()
    {
        _closed = true;
        if (Blocks == 0) Free();
    }

    public void BlockFreed()
    {
        if (--Blocks == 0 && _closed) Free();
    }

    private void Free()
    {
        if (_handle.IsAllocated) _handle.Free();
    }
}
