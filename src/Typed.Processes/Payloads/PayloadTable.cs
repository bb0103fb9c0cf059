using System.Collections;
using System.Text;

namespace Typed.Processes;

/// <summary>
/// An immutable table: the payload form of a Lua table, usable from C# too. It has a sequence part
/// (<see cref="Items"/>, Lua indices 1..n) and a field part (<see cref="Fields"/>, keys that are strings, integers
/// outside the sequence, floats or booleans). Values are payloads. Built with <see cref="FromItems"/>,
/// <see cref="FromFields"/> or <see cref="Create"/>.
/// </summary>
public sealed class PayloadTable : IEquatable<PayloadTable>
{
    private static readonly object?[] NoItems = [];
    private static readonly Dictionary<object, object?> NoFields = new();
    private readonly object?[] _items;
    private readonly Dictionary<object, object?> _fields;

    private PayloadTable(object?[] items, Dictionary<object, object?> fields)
    {
        _items = items;
        _fields = fields;
    }

    /// <summary>The empty table.</summary>
    public static PayloadTable Empty { get; } = new(NoItems, NoFields);

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
        object?[] items = n == 0 ? NoItems : new object?[n];
        for (int i = 0; i < n; i++)
        {
            items[i] = fields[(long)(i + 1)];
            fields.Remove((long)(i + 1));
        }
        return new PayloadTable(items, fields.Count == 0 ? NoFields : fields);
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
