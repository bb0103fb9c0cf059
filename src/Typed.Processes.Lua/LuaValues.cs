using System.Collections;
using System.Collections.Immutable;
using System.Globalization;
using System.Numerics;
using System.Text;
using KeraLua;

namespace Typed.Processes.Lua;

/// <summary>
/// Copies values between Lua and .NET (see docs/lua.md for the mapping). Strings are bytes: a Lua string that is valid
/// UTF-8 becomes a <see cref="string"/>, any other a <see cref="ByteString"/>; a C# string becomes its UTF-8 bytes.
/// Tables may be nested at most <see cref="MaxDepth"/> levels, in both directions; every push is preceded by a stack
/// check (lua_checkstack, which reports instead of raising), and a failed conversion leaves the stack as it was.
/// </summary>
internal static class LuaValues
{
    /// <summary>The deepest table nesting that crosses the boundary (a flat table is 1 level).</summary>
    public const int MaxDepth = 100;

    internal static readonly string TooDeep = $"table nested deeper than {MaxDepth} levels";
    private const string StackFull = "Lua stack overflow while copying a value";

    /// <summary>Reads the Lua value at <paramref name="index"/> as a payload (a copy); an error for functions,
    /// coroutines, userdata, cyclic tables and tables nested deeper than <see cref="MaxDepth"/>. Allocates nothing in
    /// Lua (strings are read in place, numbers are never converted), so it cannot raise a Lua error.</summary>
    public static Result<object?> ToNet(KeraLua.Lua lua, int index)
    {
        index = index < 0 ? lua.GetTop() + index + 1 : index;
        return ToNet(lua, index, null, 0);
    }

    private static Result<object?> ToNet(KeraLua.Lua lua, int index, HashSet<IntPtr>? path, int depth)
    {
        switch (lua.Type(index))
        {
            case LuaType.None:
            case LuaType.Nil: return Result<object?>.Success(null);
            case LuaType.Boolean: return Result<object?>.Success(lua.ToBoolean(index));
            case LuaType.Number:
                return Result<object?>.Success(lua.IsInteger(index) ? lua.ToInteger(index) : (object)lua.ToNumber(index));
            case LuaType.String: return Result<object?>.Success(LuaNative.ToPayloadString(lua, index));
            case LuaType.Table:
                return TableToNet(lua, index, path, depth + 1);
            default:
                return Result<object?>.Failure($"a {lua.TypeName(index)} cannot be sent between processes (only nil, booleans, numbers, strings and tables)");
        }
    }

    private static Result<object?> TableToNet(KeraLua.Lua lua, int index, HashSet<IntPtr>? path, int depth)
    {
        if (depth > MaxDepth) return Result<object?>.Failure(TooDeep);
        // Each level holds a key and a value on the stack while it walks.
        if (!LuaNative.CheckStack(lua, 3)) return Result<object?>.Failure(StackFull);
        var ptr = lua.ToPointer(index);
        path ??= [];
        if (!path.Add(ptr)) return Result<object?>.Failure("a cyclic table cannot be sent between processes");
        var fields = new Dictionary<object, object?>();
        lua.PushNil();
        while (lua.Next(index))
        {
            // key at -2, value at -1; read the key without converting it in place (that would break next)
            object key;
            switch (lua.Type(-2))
            {
                case LuaType.String: key = LuaNative.ToPayloadString(lua, -2); break;
                case LuaType.Number:
                    if (lua.IsInteger(-2)) key = lua.ToInteger(-2);
                    else
                    {
                        var d = lua.ToNumber(-2);
                        key = d == Math.Floor(d) && Math.Abs(d) < 9e15 ? (long)d : d;
                    }
                    break;
                case LuaType.Boolean: key = lua.ToBoolean(-2); break;
                default:
                    var typeName = lua.TypeName(-2);
                    lua.Pop(2);
                    path.Remove(ptr);
                    return Result<object?>.Failure($"a table key of type {typeName} cannot be sent between processes");
            }
            var value = ToNet(lua, lua.GetTop(), path, depth);
            lua.Pop(1);
            if (!value.Ok)
            {
                lua.Pop(1);
                path.Remove(ptr);
                return value;
            }
            fields[key] = value.Value;
        }
        path.Remove(ptr);
        return Result<object?>.Success(PayloadTable.FromNormalized(fields));
    }

    /// <summary>Null if <paramref name="value"/> can be pushed into Lua, else why not (same depth rule as the push).</summary>
    public static string? CheckPushable(object? value) => CheckPushable(value, 0);

    private static string? CheckPushable(object? value, int depth)
    {
        switch (value)
        {
            case null or bool or string or ByteString or byte[] or ImmutableArray<byte> or Pid or DateTimeOffset or DateTime
                or char or decimal or Guid or TimeSpan or Enum: return null;
            case sbyte or byte or short or ushort or int or uint or long or ulong or float or double: return null;
            case PayloadTable t:
                if (depth + 1 > MaxDepth) return TooDeep;
                foreach (var item in t.Items) if (CheckPushable(item, depth + 1) is { } e1) return e1;
                foreach (var kv in t.Fields) if (CheckPushable(kv.Value, depth + 1) is { } e2) return e2;
                return null;
            case Message m: return CheckPushable(m.Payload, depth);
            case ProcessEvent: return null; // a result Lua cannot take is left out of the event (see PushValue)
            case IEnumerable empty when IsDefaultArray(empty): return null;
            case IDictionary dict:
                if (depth + 1 > MaxDepth) return TooDeep;
                // Distinct .NET keys can be one Lua key (1, 1L and 1.0; a string and the equal UTF-8 ByteString): the
                // last value would silently replace the others, so such a dictionary is refused.
                var keys = dict.Count > 1 ? new Dictionary<object, object>() : null;
                foreach (DictionaryEntry kv in dict)
                {
                    if (kv.Key is double.NaN or float.NaN) return "a table key cannot be NaN";
                    if ((CheckPushable(kv.Key, depth + 1) ?? CheckPushable(kv.Value, depth + 1)) is { } e3) return e3;
                    if (keys is not null && LuaKey(kv.Key) is { } lk && !keys.TryAdd(lk, kv.Key))
                        return $"the keys {Describe(keys[lk])} and {Describe(kv.Key)} are the same Lua key";
                }
                return null;
            case IEnumerable seq:
                if (depth + 1 > MaxDepth) return TooDeep;
                foreach (var item in seq) if (CheckPushable(item, depth + 1) is { } e4) return e4;
                return null;
            default:
                return $"a Lua process cannot receive a payload of type '{value.GetType().FullName}'";
        }
    }

    // ---- size estimate ---------------------------------------------------------------------------------------

    // Lua 5.4 on 64-bit, as counted by the allocator (requested sizes): a string is a 24-byte TString header plus its
    // bytes plus a NUL, and a short one (up to 40 bytes) also takes up to 2 slots of 8 bytes in the string table when
    // that doubles; a table is a 56-byte Table plus 16 bytes per array slot and 24 per hash node (the hash part is a
    // power of two). The figures are rounded up so that the estimate is an upper bound for what a push allocates.
    private const long StringCost = 56;
    private const long TableCost = 64;
    private const long ArraySlotCost = 16;
    private const long HashNodeCost = 24;
    private const long PidCost = StringCost + 128;

    /// <summary>
    /// About how many bytes <paramref name="payload"/> takes once pushed into a Lua state (an upper bound for what the
    /// push allocates: strings by their UTF-8 length plus a header, tables by their slots; numbers and booleans live
    /// in their slot). Walks the payload once, allocates nothing for the common types; nesting beyond
    /// <see cref="MaxDepth"/> is not counted (such a payload is refused anyway). Not counted either: the growth of the
    /// state's string table beyond the payload's own share, which is harmless when refused (Lua keeps the old table).
    /// </summary>
    public static long EstimateSize(object? payload) => Estimate(payload, 0);

    private static long Estimate(object? value, int depth)
    {
        switch (value)
        {
            case null or bool or long or int or double or float or short or ushort or byte or sbyte or uint or ulong
                or decimal or DateTimeOffset or DateTime: return 0;
            case string s: return StringCost + Encoding.UTF8.GetByteCount(s);
            case ByteString b: return StringCost + b.Length;
            case byte[] a: return StringCost + a.Length;
            case ImmutableArray<byte> ia: return StringCost + (ia.IsDefault ? 0 : ia.Length);
            case Pid: return PidCost;
            case PayloadTable t:
            {
                if (depth >= MaxDepth) return 0;
                long n = TableCost + t.Items.Count * ArraySlotCost + HashPart(t.Fields.Count);
                foreach (var item in t.Items) n += Estimate(item, depth + 1);
                foreach (var (k, v) in t.Fields) n += Estimate(k, depth + 1) + Estimate(v, depth + 1);
                return n;
            }
            case Message m:
                return TableCost + HashPart(3) + 3 * StringCost + PidCost + Estimate(m.Topic, depth) + Estimate(m.Payload, depth);
            case ProcessEvent e:
                return TableCost + HashPart(7) + 7 * StringCost + PidCost + 64 + Estimate(e.Error, depth) + Estimate(e.Reason, depth) +
                       (CheckPushable(e.Result, depth) is null ? Estimate(e.Result, depth) : StringCost + MaxReasonBytes);
            case IEnumerable empty when IsDefaultArray(empty): return TableCost;
            case IDictionary dict:
            {
                if (depth >= MaxDepth) return 0;
                long n = TableCost + HashPart(dict.Count);
                foreach (DictionaryEntry kv in dict) n += Estimate(kv.Key, depth + 1) + Estimate(kv.Value, depth + 1);
                return n;
            }
            case IEnumerable seq:
            {
                if (depth >= MaxDepth) return 0;
                long n = TableCost, count = 0;
                foreach (var item in seq) { n += Estimate(item, depth + 1); count++; }
                // Without a known count the array part grows by doubling: the old and the new part coexist once.
                return n + (seq is ICollection ? count : 3 * (long)BitOperations.RoundUpToPowerOf2((ulong)count)) * ArraySlotCost;
            }
            // Guid, TimeSpan, enums, char (CheckPushable refuses other types): their ToString runs no user code.
            case Guid or TimeSpan or Enum or char: return StringCost + 3L * (Convert.ToString(value, CultureInfo.InvariantCulture)?.Length ?? 0);
            default: return StringCost;
        }
    }

    /// <summary>
    /// A default (uninitialised) <see cref="ImmutableArray{T}"/> holds nothing (as <see cref="Payloads"/> treats it), but
    /// enumerating it or reading its Count throws: <c>Send(luaPid, topic, default(ImmutableArray&lt;int&gt;))</c> threw
    /// InvalidOperationException out of Send, and as a spawn argument it leaked the child's Lua state.
    /// Read without reflection (NativeAOT and trimming keep no IsDefault property to look up): an ImmutableArray's
    /// structural Equals against a default array of any element type is true exactly when both are default, and
    /// false at once (comparing nothing) when this one is not.
    /// </summary>
    private static bool IsDefaultArray(IEnumerable seq) =>
        seq is IStructuralEquatable structural && seq.GetType() is { IsValueType: true, IsGenericType: true } t &&
        t.GetGenericTypeDefinition() == typeof(ImmutableArray<>) &&
        structural.Equals(DefaultArray, EqualityComparer<object>.Default);

    private static readonly object DefaultArray = default(ImmutableArray<byte>);

    /// <summary>At most this many bytes of a reason are pushed for an event result that Lua cannot take.</summary>
    private const int MaxReasonBytes = 1024;

    private static long HashPart(int count) => count == 0 ? 0 : (long)BitOperations.RoundUpToPowerOf2((uint)count) * HashNodeCost;

    // ---- push ------------------------------------------------------------------------------------------------

    /// <summary>
    /// Pushes a copy of <paramref name="value"/> onto the Lua stack; on failure (nesting beyond <see cref="MaxDepth"/>,
    /// a NaN key, no stack space) pushes nothing and returns the error. Allocates in Lua: the caller makes sure
    /// the allocator will not refuse (see LuaProcess's memory budget), since a memory error raised here would cross
    /// managed frames.
    /// </summary>
    public static string? Push(KeraLua.Lua lua, object? value, LuaProcess? process)
    {
        int top = lua.GetTop();
        if (!LuaNative.CheckStack(lua, 1)) return StackFull;
        var error = PushValue(lua, value, process, 0);
        if (error is not null) lua.SetTop(top);
        return error;
    }

    // Precondition: one free stack slot for the value (the caller checked it).
    private static string? PushValue(KeraLua.Lua lua, object? value, LuaProcess? process, int depth)
    {
        switch (value)
        {
            case null: lua.PushNil(); return null;
            case bool b: lua.PushBoolean(b); return null;
            case string s: LuaNative.PushText(lua, s); return null;
            case long l: lua.PushInteger(l); return null;
            case int i: lua.PushInteger(i); return null;
            case double d: lua.PushNumber(d); return null;
            case float f: lua.PushNumber(f); return null;
            case ByteString bs: LuaNative.PushBytes(lua, bs.Span); return null;
            case byte[] bytes: LuaNative.PushBytes(lua, bytes); return null;
            case ImmutableArray<byte> ia: LuaNative.PushBytes(lua, ia.AsSpan()); return null;
            case short or ushort or byte or sbyte or uint: lua.PushInteger(Convert.ToInt64(value, CultureInfo.InvariantCulture)); return null;
            case ulong ul: if (ul <= long.MaxValue) lua.PushInteger((long)ul); else lua.PushNumber(ul); return null;
            case decimal m: lua.PushNumber((double)m); return null;
            case char c: LuaNative.PushText(lua, c.ToString()); return null;
            case Pid pid: LuaNative.PushText(lua, pid.ToString()); return null;
            case DateTimeOffset dto: lua.PushNumber(dto.ToUnixTimeMilliseconds() / 1000.0); return null;
            case DateTime dt: lua.PushNumber(new DateTimeOffset(dt.ToUniversalTime()).ToUnixTimeMilliseconds() / 1000.0); return null;
            case PayloadTable t:
                if (depth + 1 > MaxDepth) return TooDeep;
                if (!LuaNative.CheckStack(lua, 3)) return StackFull; // the table, a key, a value
                lua.CreateTable(t.Items.Count, t.Fields.Count);
                for (int k = 0; k < t.Items.Count; k++)
                {
                    if (PushValue(lua, t.Items[k], process, depth + 1) is { } e) return e;
                    lua.RawSetInteger(-2, k + 1);
                }
                foreach (var (key, v) in t.Fields)
                {
                    if (PushKey(lua, key, process, depth + 1) is { } e1) return e1;
                    if (PushValue(lua, v, process, depth + 1) is { } e2) return e2;
                    lua.RawSet(-3);
                }
                return null;
            case Message msg:
                if (!LuaNative.CheckStack(lua, 3)) return StackFull;
                lua.CreateTable(0, 3);
                if (PushValue(lua, msg.From, process, depth) is { } m1) return m1;
                lua.SetField(-2, "_from");
                LuaNative.PushText(lua, msg.Topic); lua.SetField(-2, "_topic");
                if (PushValue(lua, msg.Payload, process, depth) is { } m2) return m2;
                lua.SetField(-2, "_payload");
                if (msg.ReplyTo is { } reply && process is not null) // a call: msg:reply answers it by this id
                {
                    lua.PushInteger(process.RememberReply(reply));
                    lua.SetField(-2, "_call");
                }
                if (process is not null) LuaProcess.SetMessageMetatable(lua);
                return null;
            case ProcessEvent e:
                if (!LuaNative.CheckStack(lua, 3)) return StackFull;
                lua.CreateTable(0, 7);
                LuaNative.PushText(lua, e.KindName); lua.SetField(-2, "kind");
                LuaNative.PushText(lua, e.From.ToString()); lua.SetField(-2, "from");
                PushValue(lua, e.At, process, depth); lua.SetField(-2, "at");
                if (e.Result is not null)
                {
                    // The result of a C# process may be anything a payload may be (a type marked [Immutable], a
                    // table nested deeper than MaxDepth): a Lua monitor still gets its EXIT, with the reason in
                    // result_error instead of the result. Before, its receive raised an error and the event was lost
                    // (and the default case below ran the result's own ToString).
                    if (CheckPushable(e.Result, depth) is { } why)
                    {
                        why = "its result cannot be received in Lua: " + why;
                        LuaNative.PushText(lua, why.Length <= MaxReasonBytes / 3 ? why : why[..(MaxReasonBytes / 3)]);
                        lua.SetField(-2, "result_error");
                    }
                    else
                    {
                        if (PushValue(lua, e.Result, process, depth) is { } r) return r;
                        lua.SetField(-2, "result");
                    }
                }
                if (e.Error is not null) { LuaNative.PushText(lua, e.Error); lua.SetField(-2, "error"); }
                if (e.Deadline is { } dl) { PushValue(lua, dl, process, depth); lua.SetField(-2, "deadline"); }
                if (e.Reason is not null) { LuaNative.PushText(lua, e.Reason); lua.SetField(-2, "reason"); }
                return null;
            case IEnumerable empty when IsDefaultArray(empty):
                if (depth + 1 > MaxDepth) return TooDeep;
                lua.CreateTable(0, 0);
                return null;
            case IDictionary dict:
                if (depth + 1 > MaxDepth) return TooDeep;
                if (!LuaNative.CheckStack(lua, 3)) return StackFull;
                lua.CreateTable(0, dict.Count);
                foreach (DictionaryEntry kv in dict)
                {
                    if (PushKey(lua, kv.Key, process, depth + 1) is { } e1) return e1;
                    if (PushValue(lua, kv.Value, process, depth + 1) is { } e2) return e2;
                    lua.RawSet(-3);
                }
                return null;
            case IEnumerable seq:
                if (depth + 1 > MaxDepth) return TooDeep;
                if (!LuaNative.CheckStack(lua, 2)) return StackFull;
                lua.CreateTable(seq is ICollection col ? col.Count : 0, 0);
                long n = 0;
                foreach (var item in seq)
                {
                    if (PushValue(lua, item, process, depth + 1) is { } e3) return e3;
                    lua.RawSetInteger(-2, ++n);
                }
                return null;
            default: LuaNative.PushText(lua, Convert.ToString(value, CultureInfo.InvariantCulture) ?? ""); return null;
        }
    }

    /// <summary>The Lua key a .NET key becomes, as a value that compares like Lua keys do (null: not a number or string).
    /// The normalization is PayloadTable's (the payload form of a Lua table).</summary>
    private static object? LuaKey(object? key) => key switch
    {
        string s => s,
        ByteString b => PayloadTable.StringKey(b),
        char c => c.ToString(),
        bool b => b,
        long or int or short or ushort or byte or sbyte or uint => Convert.ToInt64(key, CultureInfo.InvariantCulture),
        ulong ul => ul <= long.MaxValue ? (long)ul : PayloadTable.NumberKey(ul),
        double d => PayloadTable.NumberKey(d),
        float f => PayloadTable.NumberKey(f),
        decimal m => PayloadTable.NumberKey((double)m),
        _ => null,
    };

    private static string Describe(object key) => key is string s ? $"'{s}'" : $"{Convert.ToString(key, CultureInfo.InvariantCulture)} ({key.GetType().Name})";

    // lua_rawset raises ("index is nil", "index is NaN") for those keys: refuse them before pushing.
    private static string? PushKey(KeraLua.Lua lua, object? key, LuaProcess? process, int depth) => key switch
    {
        null => "a table key cannot be nil",
        double.NaN or float.NaN => "a table key cannot be NaN",
        _ => PushValue(lua, key, process, depth),
    };
}
