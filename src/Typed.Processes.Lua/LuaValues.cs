using System.Collections;
using System.Globalization;
using KeraLua;

namespace Typed.Processes.Lua;

/// <summary>Copies values between Lua and .NET (see docs/lua.md for the mapping).</summary>
internal static class LuaValues
{
    /// <summary>Reads the Lua value at <paramref name="index"/> as a payload (a copy); an error for functions,
    /// coroutines, userdata and cyclic tables.</summary>
    public static Result<object?> ToNet(KeraLua.Lua L, int index)
    {
        index = index < 0 ? L.GetTop() + index + 1 : index;
        return ToNet(L, index, null, 0);
    }

    private static Result<object?> ToNet(KeraLua.Lua L, int index, HashSet<IntPtr>? path, int depth)
    {
        switch (L.Type(index))
        {
            case LuaType.None:
            case LuaType.Nil: return Result<object?>.Success(null);
            case LuaType.Boolean: return Result<object?>.Success(L.ToBoolean(index));
            case LuaType.Number:
                return Result<object?>.Success(L.IsInteger(index) ? L.ToInteger(index) : (object)L.ToNumber(index));
            case LuaType.String: return Result<object?>.Success(L.ToString(index, false));
            case LuaType.Table:
                return TableToNet(L, index, path, depth);
            default:
                return Result<object?>.Failure($"a {L.TypeName(index)} cannot be sent between processes (only nil, booleans, numbers, strings and tables)");
        }
    }

    private static Result<object?> TableToNet(KeraLua.Lua L, int index, HashSet<IntPtr>? path, int depth)
    {
        if (depth > 100) return Result<object?>.Failure("table is nested too deeply");
        var ptr = L.ToPointer(index);
        path ??= [];
        if (!path.Add(ptr)) return Result<object?>.Failure("a cyclic table cannot be sent between processes");
        var fields = new Dictionary<object, object?>();
        L.PushNil();
        while (L.Next(index))
        {
            // key at -2, value at -1; read the key without converting it in place (that would break next)
            object key;
            switch (L.Type(-2))
            {
                case LuaType.String: key = L.ToString(-2, false)!; break;
                case LuaType.Number:
                    if (L.IsInteger(-2)) key = L.ToInteger(-2);
                    else
                    {
                        var d = L.ToNumber(-2);
                        key = d == Math.Floor(d) && Math.Abs(d) < 9e15 ? (long)d : d;
                    }
                    break;
                case LuaType.Boolean: key = L.ToBoolean(-2); break;
                default:
                    L.Pop(2);
                    path.Remove(ptr);
                    return Result<object?>.Failure($"a table key of type {L.TypeName(-2)} cannot be sent between processes");
            }
            var value = ToNet(L, L.GetTop(), path, depth + 1);
            L.Pop(1);
            if (!value.Ok)
            {
                L.Pop(1);
                path.Remove(ptr);
                return value;
            }
            fields[key] = value.Value;
        }
        path.Remove(ptr);
        return Result<object?>.Success(PayloadTable.FromNormalized(fields));
    }

    /// <summary>Null if <paramref name="value"/> can be pushed into Lua, else why not.</summary>
    public static string? CheckPushable(object? value, int depth = 0)
    {
        if (depth > 100) return "payload is nested too deeply";
        switch (value)
        {
            case null or bool or string or Pid or DateTimeOffset or DateTime or char or decimal or Guid or TimeSpan or Enum: return null;
            case sbyte or byte or short or ushort or int or uint or long or ulong or float or double: return null;
            case PayloadTable t:
                foreach (var item in t.Items) if (CheckPushable(item, depth + 1) is { } e1) return e1;
                foreach (var kv in t.Fields) if (CheckPushable(kv.Value, depth + 1) is { } e2) return e2;
                return null;
            case Message or ProcessEvent: return null;
            case IDictionary dict:
                foreach (DictionaryEntry kv in dict)
                    if ((CheckPushable(kv.Key, depth + 1) ?? CheckPushable(kv.Value, depth + 1)) is { } e3) return e3;
                return null;
            case IEnumerable seq:
                foreach (var item in seq) if (CheckPushable(item, depth + 1) is { } e4) return e4;
                return null;
            default:
                return $"a Lua process cannot receive a payload of type '{value.GetType().FullName}'";
        }
    }

    /// <summary>Pushes a copy of <paramref name="value"/> onto the Lua stack.</summary>
    public static void Push(KeraLua.Lua L, object? value, LuaProcess process)
    {
        switch (value)
        {
            case null: L.PushNil(); break;
            case bool b: L.PushBoolean(b); break;
            case string s: L.PushString(s); break;
            case long l: L.PushInteger(l); break;
            case int i: L.PushInteger(i); break;
            case double d: L.PushNumber(d); break;
            case float f: L.PushNumber(f); break;
            case short or ushort or byte or sbyte or uint: L.PushInteger(Convert.ToInt64(value, CultureInfo.InvariantCulture)); break;
            case ulong ul: if (ul <= long.MaxValue) L.PushInteger((long)ul); else L.PushNumber(ul); break;
            case decimal m: L.PushNumber((double)m); break;
            case char c: L.PushString(c.ToString()); break;
            case Pid pid: L.PushString(pid.ToString()); break;
            case DateTimeOffset dto: L.PushNumber(dto.ToUnixTimeMilliseconds() / 1000.0); break;
            case DateTime dt: L.PushNumber(new DateTimeOffset(dt.ToUniversalTime()).ToUnixTimeMilliseconds() / 1000.0); break;
            case PayloadTable t:
                L.CreateTable(t.Items.Count, t.Fields.Count);
                for (int k = 0; k < t.Items.Count; k++)
                {
                    Push(L, t.Items[k], process);
                    L.RawSetInteger(-2, k + 1);
                }
                foreach (var (key, v) in t.Fields)
                {
                    Push(L, key, process);
                    Push(L, v, process);
                    L.RawSet(-3);
                }
                break;
            case Message msg:
                L.CreateTable(0, 3);
                Push(L, msg.From, process); L.SetField(-2, "_from");
                Push(L, msg.Topic, process); L.SetField(-2, "_topic");
                Push(L, msg.Payload, process); L.SetField(-2, "_payload");
                process.SetMessageMetatable(L);
                break;
            case ProcessEvent e:
                L.CreateTable(0, 6);
                L.PushString(e.KindName); L.SetField(-2, "kind");
                L.PushString(e.From.ToString()); L.SetField(-2, "from");
                Push(L, e.At, process); L.SetField(-2, "at");
                if (e.Result is not null) { Push(L, e.Result, process); L.SetField(-2, "result"); }
                if (e.Error is not null) { L.PushString(e.Error); L.SetField(-2, "error"); }
                if (e.Deadline is { } dl) { Push(L, dl, process); L.SetField(-2, "deadline"); }
                break;
            case IDictionary dict:
                L.NewTable();
                foreach (DictionaryEntry kv in dict)
                {
                    Push(L, kv.Key, process);
                    Push(L, kv.Value, process);
                    L.RawSet(-3);
                }
                break;
            case IEnumerable seq:
                L.NewTable();
                long n = 0;
                foreach (var item in seq)
                {
                    Push(L, item, process);
                    L.RawSetInteger(-2, ++n);
                }
                break;
            default: L.PushString(Convert.ToString(value, CultureInfo.InvariantCulture) ?? ""); break;
        }
    }
}
