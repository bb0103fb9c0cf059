using System.Runtime.InteropServices;
using KeraLua;

namespace Typed.Processes.Lua;

/// <summary>
/// A Lua process's memory ceiling: what its state uses, what it holds outside the state, and the allocator that
/// enforces the ceiling.
/// </summary>
internal sealed unsafe class MemoryBudget : IDisposable
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

    /// <summary>
    /// The state's allocator (lua_Alloc); its user data is <see cref="Handle"/>. It refuses what would take the state
    /// past the ceiling, counting <see cref="External"/> and adding <see cref="Allowance"/> (and <see cref="Grace"/> once
    /// doomed).
    /// </summary>
    internal static readonly LuaAlloc Allocator = (ud, ptr, osize, nsize) =>
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
            budget.Used + budget.External + delta > budget.Limit + budget.Allowance + (budget.Doomed ? Grace : 0))
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
}
