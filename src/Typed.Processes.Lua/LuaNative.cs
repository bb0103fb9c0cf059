using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using KeraLua;

namespace Typed.Processes.Lua;

/// <summary>
/// Byte-exact string access to a Lua state. KeraLua's string APIs (PushString, ToString, LoadString, ...) go through
/// <c>Lua.Encoding</c>, ASCII by default, which turns every byte &gt;= 0x80 into '?'; Lua strings are byte strings, so
/// everything that carries user data or source goes through here instead. These bind the same native library that
/// KeraLua ships (lua54), with LibraryImport (source-generated marshalling: trimming and NativeAOT clean).
/// </summary>
internal static unsafe partial class LuaNative
{
    private const string Lib = "lua54";

    [LibraryImport(Lib)]
    private static partial byte* lua_tolstring(IntPtr lua, int idx, out nuint len);

    [LibraryImport(Lib)]
    private static partial byte* lua_pushlstring(IntPtr lua, byte* s, nuint len);

    [LibraryImport(Lib)]
    private static partial int lua_checkstack(IntPtr lua, int n);

    [LibraryImport(Lib)]
    private static partial void lua_pushboolean(IntPtr lua, int b);

    /// <summary>Pushes a boolean on a raw state (no KeraLua wrapper: used on hot paths; the caller checked the stack).</summary>
    public static void PushBoolean(IntPtr lua, bool b) => lua_pushboolean(lua, b ? 1 : 0);

    [LibraryImport(Lib)]
    private static partial int lua_rawgeti(IntPtr lua, int idx, long n);

    [LibraryImport(Lib)]
    private static partial void lua_pushnil(IntPtr lua);

    [LibraryImport(Lib)]
    private static partial void lua_pushnumber(IntPtr lua, double n);

    [LibraryImport(Lib)]
    private static partial void lua_rotate(IntPtr lua, int idx, int n);

    [LibraryImport(Lib)]
    private static partial void lua_settop(IntPtr lua, int idx);

    /// <summary>lua_rawgeti on a raw state: no allocation, no metamethod, no error.</summary>
    public static int RawGetI(IntPtr lua, int index, long n) => lua_rawgeti(lua, index, n);

    public static void PushNil(IntPtr lua) => lua_pushnil(lua);

    public static void PushNumber(IntPtr lua, double n) => lua_pushnumber(lua, n);

    /// <summary>lua_remove: removes the value at <paramref name="index"/>, shifting the ones above down.</summary>
    public static void Remove(IntPtr lua, int index)
    {
        lua_rotate(lua, index, -1);
        lua_settop(lua, -2);
    }

    [LibraryImport(Lib)]
    private static partial int luaL_loadbufferx(IntPtr lua, byte* buff, nuint sz, byte* name, byte* mode);

    /// <summary>
    /// Ensures <paramref name="n"/> free stack slots. lua_checkstack returns 0 instead of raising (on a memory error
    /// or beyond LUAI_MAXSTACK), so this is safe from any managed frame; a C function is only guaranteed
    /// LUA_MINSTACK (20) slots and a new thread about 40.
    /// </summary>
    public static bool CheckStack(KeraLua.Lua lua, int n) => lua_checkstack(lua.Handle, n) != 0;

    /// <summary>
    /// The bytes of the string at <paramref name="index"/>, a view of Lua's own memory: valid while that value stays
    /// on the stack. Only call it on a value of type string (lua_tolstring converts numbers in place, which
    /// allocates and breaks lua_next).
    /// </summary>
    public static ReadOnlySpan<byte> Bytes(KeraLua.Lua lua, int index)
    {
        var p = lua_tolstring(lua.Handle, index, out var len);
        return p == null ? default : new ReadOnlySpan<byte>(p, checked((int)len));
    }

    /// <summary>Pushes a Lua string holding exactly <paramref name="bytes"/> (the caller checked the stack).</summary>
    public static void PushBytes(KeraLua.Lua lua, ReadOnlySpan<byte> bytes)
    {
        fixed (byte* p = bytes)
        {
            byte dummy = 0;
            lua_pushlstring(lua.Handle, p == null ? &dummy : p, (nuint)bytes.Length);
        }
    }

    /// <summary>Pushes <paramref name="text"/> as a Lua string of its UTF-8 bytes (the caller checked the stack).</summary>
    public static void PushText(KeraLua.Lua lua, string text)
    {
        // Up to 256 chars on the stack (768 bytes at most), longer strings in a pooled buffer: no garbage per push.
        if (text.Length <= 256)
        {
            Span<byte> buffer = stackalloc byte[768];
            int n = Encoding.UTF8.GetBytes(text, buffer);
            PushBytes(lua, buffer[..n]);
            return;
        }
        var rented = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetByteCount(text));
        try
        {
            int n = Encoding.UTF8.GetBytes(text, rented);
            PushBytes(lua, rented.AsSpan(0, n));
        }
        finally { ArrayPool<byte>.Shared.Return(rented); }
    }

    /// <summary>
    /// The string at <paramref name="index"/> as a payload: a <see cref="string"/> if its bytes are valid UTF-8 (whose
    /// UTF-8 encoding is then these exact bytes, NUL included), else a <see cref="ByteString"/> of the bytes.
    /// </summary>
    public static object ToPayloadString(KeraLua.Lua lua, int index)
    {
        var bytes = Bytes(lua, index);
        // Utf8.IsValid is vectorized (ASCII runs at memory speed) and reads Lua's memory in place: no copy unless
        // the string is binary.
        return System.Text.Unicode.Utf8.IsValid(bytes) ? Encoding.UTF8.GetString(bytes) : new ByteString(bytes);
    }

    /// <summary>
    /// The value at <paramref name="index"/> as text, for messages (errors, print, names): strings decoded as UTF-8
    /// (invalid sequences become U+FFFD), numbers formatted in C# (no in-place conversion, no allocation in Lua),
    /// null for other types.
    /// </summary>
    public static string? ToText(KeraLua.Lua lua, int index)
    {
        switch (lua.Type(index))
        {
            case LuaType.String: return Encoding.UTF8.GetString(Bytes(lua, index));
            case LuaType.Number:
                return lua.IsInteger(index)
                    ? lua.ToInteger(index).ToString(CultureInfo.InvariantCulture)
                    : lua.ToNumber(index).ToString("R", CultureInfo.InvariantCulture);
            default: return null;
        }
    }

    /// <summary>Loads <paramref name="source"/> (a Lua chunk, text or bytecode as <paramref name="mode"/> allows) as bytes.</summary>
    public static LuaStatus Load(KeraLua.Lua lua, ReadOnlySpan<byte> source, string chunkName, string mode)
    {
        var name = Encoding.UTF8.GetBytes(chunkName + "\0");
        var m = Encoding.ASCII.GetBytes(mode + "\0");
        fixed (byte* s = source)
        fixed (byte* pn = name)
        fixed (byte* pm = m)
        {
            byte dummy = 0;
            return (LuaStatus)luaL_loadbufferx(lua.Handle, s == null ? &dummy : s, (nuint)source.Length, pn, pm);
        }
    }
}
