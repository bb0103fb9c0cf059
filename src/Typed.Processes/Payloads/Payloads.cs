using System.Collections;
using System.Collections.Concurrent;

namespace Typed.Processes;

/// <summary>
/// The rule for what a message (or a spawn argument) may carry. Processes share no memory, so a payload is either
/// immutable or copied on send:
/// <list type="bullet">
/// <item>null, <see cref="bool"/>, every numeric primitive, <see cref="char"/>, <see cref="string"/>,
/// <see cref="decimal"/>, <see cref="DateTime"/>, <see cref="DateTimeOffset"/>, <see cref="TimeSpan"/>,
/// <see cref="Guid"/>, enums, <see cref="Pid"/>, <see cref="Pid{TEntry}"/>, <see cref="PayloadTable"/>,
/// <see cref="ByteString"/> (binary data, e.g. a Lua string that is not valid UTF-8), <see cref="ProcessFailure"/>;</item>
/// <item>types marked <see cref="ImmutableAttribute"/> (trusted), and the types the source generator proved deeply
/// immutable at compile time and declared at module load (<see cref="DeclareImmutable"/>);</item>
/// <item>System.Collections.Immutable collections whose elements are payloads: when the element types (keys and values
/// of dictionaries) do not prove it (<c>object</c>, or an unsealed class), every element is checked, as deeply as
/// the payload itself;</item>
/// <item>one-dimensional arrays of payloads: copied on send (a shallow copy, the elements being immutable).</item>
/// </list>
/// Anything else (a List, a mutable class, a delegate) is refused with an error naming the type.
/// </summary>
public static class Payloads
{
    private static readonly ConcurrentDictionary<Type, bool> ImmutableTypes = new();
    // Per runtime type: refused, immutable as a whole, or an immutable collection whose elements must be checked.
    private static readonly ConcurrentDictionary<Type, Shape> Shapes = new();

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
        switch (Shapes.GetOrAdd(type, static t => ComputeShape(t)))
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
        return t.Namespace == "System.Collections.Immutable" && !t.IsNested && !IsProvenImmutable(t) ? Shape.CheckElements : Shape.Immutable;
    }

    /// <summary>True if every value whose static type is <paramref name="t"/> is immutable, without looking at it.</summary>
    private static bool IsProvenImmutable(Type t)
    {
        if (!IsImmutableType(t)) return false;
        if (t.IsGenericType && t.Namespace == "System.Collections.Immutable" && !t.IsNested)
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
    /// it, from a module initializer, for every type of the compilation that it proved deeply immutable at compile time
    /// (only read-only fields of immutable types, e.g. positional records of primitives and strings). A generic type
    /// definition (<c>typeof(Box&lt;&gt;)</c>) declares its constructions immutable when their type arguments are.
    /// </summary>
    [System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)] // generated code calls it
    public static void DeclareImmutable(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        ImmutableTypes[type] = true;
        // Types found mutable before (this one, its constructions, collections of it) may be immutable now.
        foreach (var known in ImmutableTypes)
            if (!known.Value) ImmutableTypes.TryRemove(known);
        Shapes.Clear();
    }

    /// <summary>True if values of <paramref name="type"/> are immutable under the rule above (element checks aside).</summary>
    public static bool IsImmutableType(Type type) => ImmutableTypes.GetOrAdd(type, static t => ComputeImmutable(t));

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
            // The collections themselves, not their nested builders and enumerators (mutable).
            if (t.Namespace == "System.Collections.Immutable" && !t.IsNested)
                return t.GetGenericArguments().All(a => a == typeof(object) || IsImmutableType(a));
            // A construction of a generic definition declared immutable (given its type arguments are).
            if (def != t && ImmutableTypes.TryGetValue(def, out var declared) && declared)
                return t.GetGenericArguments().All(IsImmutableType);
        }
        return false;
    }
}
