using System.Collections;
using System.Collections.Concurrent;
using System.Text;

namespace Typed.Processes;

/// <summary>
/// Marks a type as immutable, so that its values may travel between processes without being copied.
/// The runtime trusts the mark; the analyzers check it.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, Inherited = false)]
public sealed class ImmutableAttribute : Attribute;

/// <summary>
/// The rule for what a message (or a spawn argument) may carry. Processes share no memory, so a payload is either
/// immutable or copied on send:
/// <list type="bullet">
/// <item>null, <see cref="bool"/>, every numeric primitive, <see cref="char"/>, <see cref="string"/>,
/// <see cref="decimal"/>, <see cref="DateTime"/>, <see cref="DateTimeOffset"/>, <see cref="TimeSpan"/>,
/// <see cref="Guid"/>, enums, <see cref="Pid"/>, <see cref="Pid{TEntry}"/>, <see cref="PayloadTable"/>,
/// <see cref="ByteString"/> (binary data, e.g. a Lua string that is not valid UTF-8), <see cref="ProcessFailure"/>;</item>
/// <item>types marked <see cref="ImmutableAttribute"/> (trusted);</item>
/// <item>System.Collections.Immutable collections whose elements are payloads: when the element types (keys and values
/// of dictionaries) do not prove it (<c>object</c>, or an unsealed class), every element is checked, as deeply as
/// the payload itself;</item>
/// <item>one-dimensional arrays of payloads: copied on send (a shallow copy, the elements being immutable).</item>
/// </list>
/// Anything else (a List, a mutable class, a delegate) is refused with an error naming the type.
/// </summary>
public static class Payloads
{
    private static readonly ConcurrentDictionary<Type, bool> s_immutableTypes = new();
    // Per runtime type: refused, immutable as a whole, or an immutable collection whose elements must be checked.
    private static readonly ConcurrentDictionary<Type, Shape> s_shapes = new();

    /// <summary>The deepest nesting a payload may have (arrays and immutable collections inside each other).</summary>
    internal const int MaxDepth = 64;

    private enum Shape : byte { Refused, Immutable, CheckElements }

    /// <summary>Checks <paramref name="payload"/> and returns what to deliver (a copy for arrays), or an error.</summary>
    public static Result<object?> Prepare(object? payload) => Prepare(payload, 0);

    private static Result<object?> Prepare(object? payload, int depth)
    {
        switch (payload)
        {
            case null or string or bool or int or long or double or Pid or PayloadTable or ByteString:
                return Result<object?>.Success(payload);
            case Array array:
                return PrepareArray(array, depth);
        }
        var type = payload.GetType();
        switch (s_shapes.GetOrAdd(type, static t => ComputeShape(t)))
        {
            case Shape.Immutable:
                return Result<object?>.Success(payload);
            case Shape.CheckElements:
                if (depth > MaxDepth) return Result<object?>.Failure("payload is nested too deeply (or cyclic)");
                return CheckElements(payload, depth) is { } error ? Result<object?>.Failure(error) : Result<object?>.Success(payload);
            default:
                return Result<object?>.Failure(
                    $"payload of type '{type.FullName}' cannot be sent: payloads must be immutable (primitives, strings, Pid, PayloadTable, " +
                    "immutable collections, arrays of those, or types marked [Immutable])");
        }
    }

    private static Shape ComputeShape(Type t)
    {
        if (!IsImmutableType(t)) return Shape.Refused;
        // An immutable collection is immutable as a whole only if its element types prove their values are: an element
        // typed object (or an unsealed class, whose subclasses need not be immutable) may hold a List.
        return t.Namespace == "System.Collections.Immutable" && !IsProvenImmutable(t) ? Shape.CheckElements : Shape.Immutable;
    }

    /// <summary>True if every value whose static type is <paramref name="t"/> is immutable, without looking at it.</summary>
    private static bool IsProvenImmutable(Type t)
    {
        if (!IsImmutableType(t)) return false;
        if (t.IsGenericType && t.Namespace == "System.Collections.Immutable")
            return t.GetGenericArguments().All(IsProvenImmutable);
        if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(Nullable<>)) return IsProvenImmutable(t.GetGenericArguments()[0]);
        return t.IsValueType || t.IsSealed;
    }

    /// <summary>Checks the elements (keys and values of dictionaries) of an immutable collection; the error names where the bad value sits.</summary>
    private static string? CheckElements(object collection, int depth)
    {
        try
        {
            if (collection is IDictionary dictionary)
            {
                foreach (DictionaryEntry entry in dictionary)
                {
                    if (CheckElement(entry.Key, depth) is { } k) return $"key {Describe(entry.Key)}: {k}";
                    if (CheckElement(entry.Value, depth) is { } v) return $"value of key {Describe(entry.Key)}: {v}";
                }
                return null;
            }
            int i = 0;
            foreach (var item in (IEnumerable)collection)
            {
                if (CheckElement(item, depth) is { } error) return $"element {i}: {error}";
                i++;
            }
            return null;
        }
        catch (InvalidOperationException)
        {
            return null; // a default (uninitialised) ImmutableArray cannot be enumerated: it holds nothing
        }
    }

    private static string? CheckElement(object? element, int depth)
    {
        var r = Prepare(element, depth + 1);
        if (!r.Ok) return r.Error;
        return ReferenceEquals(r.Value, element) ? null
            : "immutable collections may not contain arrays (they would be shared); use an immutable collection";
    }

    // Names a key without running its ToString (a type marked [Immutable] is user code).
    private static string Describe(object? key) => key switch
    {
        null => "null",
        string s => $"'{s}'",
        IFormattable f when key.GetType().IsPrimitive => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => $"of type '{key.GetType().Name}'",
    };

    private static Result<object?> PrepareArray(Array array, int depth)
    {
        if (array.Rank != 1) return Result<object?>.Failure("multi-dimensional arrays cannot be sent");
        if (depth > MaxDepth) return Result<object?>.Failure("payload is nested too deeply (or cyclic)");
        var elementType = array.GetType().GetElementType()!;
        var copy = (Array)array.Clone();
        if (elementType.IsPrimitive || elementType == typeof(string) || elementType.IsEnum) return Result<object?>.Success(copy);
        for (int i = 0; i < copy.Length; i++)
        {
            var r = Prepare(copy.GetValue(i), depth + 1);
            if (!r.Ok) return Result<object?>.Failure($"element {i}: {r.Error}");
            copy.SetValue(r.Value, i);
        }
        return Result<object?>.Success(copy);
    }

    /// <summary>
    /// Declares <paramref name="type"/> immutable, as <see cref="ImmutableAttribute"/> does. The source generator calls
    /// it for the payload, argument and result types of generated entries that it proved deeply immutable at compile
    /// time (only read-only fields of immutable types, e.g. positional records of primitives and strings).
    /// </summary>
    [System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)] // generated code calls it
    public static void DeclareImmutable(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        s_immutableTypes[type] = true;
        s_shapes.Clear(); // shapes computed before (of this type, or of collections of it) may have refused it
    }

    /// <summary>True if values of <paramref name="type"/> are immutable under the rule above (element checks aside).</summary>
    public static bool IsImmutableType(Type type) => s_immutableTypes.GetOrAdd(type, static t => ComputeImmutable(t));

    private static bool ComputeImmutable(Type t)
    {
        if (t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(decimal) || t == typeof(DateTime) ||
            t == typeof(DateTimeOffset) || t == typeof(TimeSpan) || t == typeof(Guid) || t == typeof(Pid) ||
            t == typeof(PayloadTable) || t == typeof(ByteString) || t == typeof(ProcessFailure) || t == typeof(DateOnly) || t == typeof(TimeOnly))
            return true;
        if (t.IsDefined(typeof(ImmutableAttribute), inherit: false)) return true;
        if (t.IsGenericType)
        {
            var def = t.GetGenericTypeDefinition();
            if (def == typeof(Pid<>)) return true;
            if (def == typeof(Nullable<>)) return IsImmutableType(t.GetGenericArguments()[0]);
            if (t.Namespace == "System.Collections.Immutable")
                return t.GetGenericArguments().All(a => a == typeof(object) || IsImmutableType(a));
        }
        return false;
    }
}

/// <summary>
/// An immutable table: the payload form of a Lua table, usable from C# too. It has a sequence part
/// (<see cref="Items"/>, Lua indices 1..n) and a field part (<see cref="Fields"/>, keys that are strings, integers
/// outside the sequence, floats or booleans). Values are payloads. Built with <see cref="FromItems"/>,
/// <see cref="FromFields"/> or <see cref="Create"/>.
/// </summary>
public sealed class PayloadTable : IEquatable<PayloadTable>
{
    private static readonly object?[] s_noItems = [];
    private static readonly Dictionary<object, object?> s_noFields = new();
    private readonly object?[] _items;
    private readonly Dictionary<object, object?> _fields;

    private PayloadTable(object?[] items, Dictionary<object, object?> fields)
    {
        _items = items;
        _fields = fields;
    }

    /// <summary>The empty table.</summary>
    public static PayloadTable Empty { get; } = new(s_noItems, s_noFields);

    /// <summary>The sequence part (Lua indices 1..n map to 0..n-1 here).</summary>
    public IReadOnlyList<object?> Items => _items;

    /// <summary>The field part: every key that is not in the sequence.</summary>
    public IReadOnlyDictionary<object, object?> Fields => _fields;

    /// <summary>True if the table has a sequence part and no fields.</summary>
    public bool IsArray => _fields.Count == 0 && _items.Length > 0;

    /// <summary>A field by string key; null if absent.</summary>
    public object? this[string key] => _fields.TryGetValue(key, out var v) ? v : null;

    /// <summary>Gets a field by string key.</summary>
    public bool TryGetField(string key, out object? value) => _fields.TryGetValue(key, out value);

    /// <summary>A sequence table from <paramref name="items"/> (each must be a payload).</summary>
    public static PayloadTable FromItems(params object?[] items) =>
        Create(items.Select((v, i) => new KeyValuePair<object, object?>((long)(i + 1), v)));

    /// <summary>A record-like table from string-keyed fields (each value must be a payload).</summary>
    public static PayloadTable FromFields(IEnumerable<KeyValuePair<string, object?>> fields) =>
        Create(fields.Select(kv => new KeyValuePair<object, object?>(kv.Key, kv.Value)));

    /// <summary>
    /// A table from key/value pairs. Keys: string, <see cref="ByteString"/>, integers (int/long, normalized to long), double, bool.
    /// Integer keys 1..n that form a run go to the sequence part. Values must be payloads; nil values are dropped
    /// (as in Lua). Throws <see cref="ArgumentException"/> for a bad key or value.
    /// </summary>
    public static PayloadTable Create(IEnumerable<KeyValuePair<object, object?>> pairs)
    {
        var fields = new Dictionary<object, object?>();
        foreach (var (rawKey, rawValue) in pairs)
        {
            object key = rawKey switch
            {
                string s => s,
                ByteString b => StringKey(b),
                int i => (long)i,
                long l => l,
                double d when double.IsNaN(d) => throw new ArgumentException("a table key cannot be NaN"),
                double d => NumberKey(d),
                bool b => b,
                null => throw new ArgumentException("a table key cannot be null"),
                _ => throw new ArgumentException($"a table key cannot be of type '{rawKey.GetType().FullName}'"),
            };
            if (rawValue is null) continue;
            var prepared = Payloads.Prepare(rawValue);
            if (!prepared.Ok) throw new ArgumentException($"field '{key}': {prepared.Error}");
            fields[key] = prepared.Value;
        }
        return FromNormalized(fields);
    }

    /// <summary>
    /// The key a Lua table holds for a float key: an integral value that fits a long is that integer (lua_rawset
    /// normalizes it); 2^63 is not a long (<c>d &lt;= long.MaxValue</c> would round it in) and stays a float, as in Lua.
    /// </summary>
    internal static object NumberKey(double d) =>
        d == Math.Floor(d) && d >= -9.2233720368547758E18 && d < 9.2233720368547758E18 ? (object)(long)d : d;

    /// <summary>The key a Lua table holds for a string of these bytes: one key whatever form it came in, so valid
    /// UTF-8 is the <see cref="string"/> (what a Lua string key becomes in C#).</summary>
    internal static object StringKey(ByteString b) => System.Text.Unicode.Utf8.IsValid(b.Span) ? b.ToString() : b;

    /// <summary>Builds from already-checked values with normalized keys (used by the Lua bridge).</summary>
    internal static PayloadTable FromNormalized(Dictionary<object, object?> fields)
    {
        if (fields.Count == 0) return Empty;
        int n = 0;
        while (fields.ContainsKey((long)(n + 1))) n++;
        object?[] items = n == 0 ? s_noItems : new object?[n];
        for (int i = 0; i < n; i++)
        {
            items[i] = fields[(long)(i + 1)];
            fields.Remove((long)(i + 1));
        }
        return new PayloadTable(items, fields.Count == 0 ? s_noFields : fields);
    }

    /// <summary>Structural equality.</summary>
    public bool Equals(PayloadTable? other)
    {
        if (other is null) return false;
        if (ReferenceEquals(this, other)) return true;
        if (_items.Length != other._items.Length || _fields.Count != other._fields.Count) return false;
        for (int i = 0; i < _items.Length; i++)
            if (!Equals(_items[i], other._items[i])) return false;
        foreach (var (k, v) in _fields)
            if (!other._fields.TryGetValue(k, out var ov) || !Equals(v, ov)) return false;
        return true;
    }

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as PayloadTable);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(_items.Length, _fields.Count);

    /// <summary>A Lua-like rendering, e.g. <c>{1, 2, name = "x"}</c>.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder("{");
        bool first = true;
        foreach (var item in _items)
        {
            if (!first) sb.Append(", ");
            first = false;
            Append(sb, item);
        }
        foreach (var (k, v) in _fields.OrderBy(kv => kv.Key.ToString(), StringComparer.Ordinal))
        {
            if (!first) sb.Append(", ");
            first = false;
            if (k is string s) sb.Append(s); else { sb.Append('['); Append(sb, k); sb.Append(']'); }
            sb.Append(" = ");
            Append(sb, v);
        }
        return sb.Append('}').ToString();
    }

    private static void Append(StringBuilder sb, object? v)
    {
        switch (v)
        {
            case null: sb.Append("nil"); break;
            case string s: sb.Append('"').Append(s).Append('"'); break;
            case bool b: sb.Append(b ? "true" : "false"); break;
            case double d: sb.Append(d.ToString("R", System.Globalization.CultureInfo.InvariantCulture)); break;
            default: sb.Append(Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture)); break;
        }
    }
}
