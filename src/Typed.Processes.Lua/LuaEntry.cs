using System.Text;

namespace Typed.Processes.Lua;

/// <summary>Limits for Lua processes.</summary>
public sealed record LuaOptions
{
    /// <summary>Native memory one Lua process may use (0 = unlimited). Exceeding it ends only that process with "not enough memory".</summary>
    public long MemoryLimitBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>How a process of the entry is isolated from the others (manifest field <c>isolation</c>); see
    /// docs/lua-isolation.md.</summary>
    public LuaIsolation Isolation { get; init; } = LuaIsolation.Shared;

    /// <summary>
    /// When set, the isolation of every Lua process, whatever its entry's <see cref="Isolation"/>. For the test suite,
    /// which runs the Lua conformance tests in both modes (tests/Typed.Processes.Lua.StateTests sets it to
    /// <see cref="LuaIsolation.State"/> for the whole run); null everywhere else.
    /// </summary>
    internal static LuaIsolation? ForcedIsolation { get; set; }

    /// <summary>The isolation a process of the entry gets: <see cref="ForcedIsolation"/> when set, else <see cref="Isolation"/>.</summary>
    internal LuaIsolation EffectiveIsolation => ForcedIsolation ?? Isolation;
}

/// <summary>How Lua processes are isolated from each other.</summary>
public enum LuaIsolation
{
    /// <summary>The process is a coroutine with its own globals in a Lua state shared with other processes of its host;
    /// the standard libraries and the runtime's modules are shared and frozen (manifest: <c>isolation: shared</c>).</summary>
    Shared = 0,

    /// <summary>The process has a whole Lua state of its own (manifest: <c>isolation: state</c>).</summary>
    State = 1,
}

/// <summary>A Lua library (manifest kind <c>library.lua</c>) made available to <c>require</c> by its name.</summary>
/// <param name="Name">The name passed to require.</param>
/// <param name="Source">The Lua source.</param>
/// <param name="ChunkName">The file name used in error messages.</param>
public sealed record LuaLibrary(string Name, string Source, string ChunkName);

/// <summary>A Lua entry: a chunk that returns a table with the entry's <c>method</c> (default <c>main</c>).</summary>
public sealed class LuaEntry : EntryDefinition
{
    /// <summary>Lua states of this entry's processes not closed yet (for tests).</summary>
    internal int OpenStates;

    /// <summary>Creates the entry.</summary>
    public LuaEntry(string reference, string source, string chunkName, string method = "main",
        IReadOnlyList<LuaLibrary>? libraries = null, LuaOptions? options = null) : base(reference)
    {
        Source = source ?? throw new ArgumentNullException(nameof(source));
        ChunkName = chunkName;
        Method = string.IsNullOrEmpty(method) ? "main" : method;
        Libraries = libraries ?? [];
        Options = options ?? new LuaOptions();
    }

    /// <summary>The Lua source.</summary>
    public string Source { get; }

    /// <summary>The file name used in error messages.</summary>
    public string ChunkName { get; }

    /// <summary>The function the process runs.</summary>
    public string Method { get; }

    /// <summary>Libraries this entry imports.</summary>
    public IReadOnlyList<LuaLibrary> Libraries { get; }

    /// <summary>Limits.</summary>
    public LuaOptions Options { get; }

    /// <inheritdoc />
    public override string Kind => "process.lua";

    internal override Result<ProcessCore> CreateProcess(ProcessRuntime runtime, ProcessHost host, Pid pid, object?[] args) =>
        LuaProcess.Create(runtime, host, pid, args, this);

    private byte[]? _bytecode;

    /// <summary>The entry compiled once to Lua bytecode as a function of its globals (see <see cref="CompileFunction"/>):
    /// each state loads it once, each process runs it with its own globals.</summary>
    internal byte[] Bytecode => _bytecode ??= CompileFunction(Code(Source), ChunkName);

    private byte[]?[]? _libraryCode;

    /// <summary>The i-th library compiled as the entry is (<see cref="CompileFunction"/>; type annotations stripped).</summary>
    internal byte[] LibraryCode(int i)
    {
        var all = _libraryCode ??= new byte[]?[Libraries.Count];
        return all[i] ??= CompileFunction(Code(Libraries[i].Source), Libraries[i].ChunkName);
    }

    /// <summary>
    /// The bytes Lua compiles for <paramref name="source"/>: its UTF-8 bytes (KeraLua's LoadString would encode it as
    /// ASCII, turning every non-ASCII character of a string literal into '?') with Wippy's type annotations blanked
    /// (<see cref="TypeAnnotations"/>: line numbers unchanged; a source without annotations is passed as it is).
    /// </summary>
    internal static byte[] Code(string source) => TypeAnnotations.Strip(Encoding.UTF8.GetBytes(source));

    private static readonly byte[] FunctionPrefix = "return function(_ENV, ...) "u8.ToArray(), FunctionSuffix = "\nend"u8.ToArray();

    /// <summary>
    /// Compiles a chunk as <c>return function(_ENV, ...) &lt;chunk&gt; end</c> (on the chunk's first line, so line
    /// numbers are unchanged): loaded once per state, the function runs the chunk's top level with the globals it is
    /// given, so processes share the compiled code and not their globals. A syntax error is reported as the chunk
    /// alone gives it. Throws <see cref="InvalidOperationException"/> with the error.
    /// </summary>
    internal static byte[] CompileFunction(byte[] code, string chunkName)
    {
        using var lua = new KeraLua.Lua(true);
        if (LuaNative.Load(lua, code, "@" + chunkName, "t") != KeraLua.LuaStatus.OK)
            throw new InvalidOperationException(LuaNative.ToText(lua, -1));
        lua.SetTop(0);
        return Dump(lua, [.. FunctionPrefix, .. code, .. FunctionSuffix], chunkName, strip: false);
    }

    /// <summary>Compiles <paramref name="source"/> to bytecode (with debug info, so errors keep file and line).</summary>
    internal static byte[] Compile(string source, string chunkName, bool strip = false)
    {
        using var lua = new KeraLua.Lua(true);
        return Dump(lua, Code(source), chunkName, strip);
    }

    private static byte[] Dump(KeraLua.Lua lua, byte[] code, string chunkName, bool strip)
    {
        if (LuaNative.Load(lua, code, "@" + chunkName, "t") != KeraLua.LuaStatus.OK)
            throw new InvalidOperationException(LuaNative.ToText(lua, -1));
        lua.GetGlobal("string");
        lua.GetField(-1, "dump");
        lua.PushCopy(-3);
        lua.PushBoolean(strip);
        if (lua.PCall(2, 1, 0) != KeraLua.LuaStatus.OK) throw new InvalidOperationException(LuaNative.ToText(lua, -1));
        return LuaNative.Bytes(lua, -1).ToArray();
    }

    /// <summary>Compiles the source (as UTF-8, Wippy's type annotations stripped) without running it: null if it is valid, else the error with file and line.</summary>
    public static string? CheckSyntax(string source, string chunkName)
    {
        using var lua = new KeraLua.Lua(false);
        return LuaNative.Load(lua, Code(source), "@" + chunkName, "t") == KeraLua.LuaStatus.OK ? null : LuaNative.ToText(lua, -1);
    }
}
