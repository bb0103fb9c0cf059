// Shared by the generator and the analyzers (linked into both): the one compile-time rule for what a payload may be.
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;

namespace Typed.Processes.SourceModel;

/// <summary>
/// Proves at compile time that a payload type is deeply immutable, or says why not. It is the compile-time side of
/// the runtime's rule (<c>Typed.Processes.Payloads</c>), which stays as the last line:
/// <list type="bullet">
/// <item>types the runtime knows (primitives, strings, <c>Pid</c>, enums, ..., <c>[Immutable]</c> types) are immutable;</item>
/// <item>System.Collections.Immutable collections are, when their element types are (<c>object</c> elements are
/// checked one by one at run time);</item>
/// <item>a one-dimensional array is, as the payload itself (the runtime copies it on send), when its elements are;
/// an array inside a payload is not (it would be shared);</item>
/// <item>a class or struct of this compilation is, when every instance field (auto-property backing fields and the
/// base class's included) is read-only and of an immutable type, and generated code can name it (the generator
/// declares it to the runtime at module load, see <see cref="DeclarationOf"/>); a generic one is, given its type
/// arguments are;</item>
/// <item>a type of a referenced assembly is, when that assembly's generator declared it
/// (<c>[assembly: ProvenImmutable(typeof(T))]</c>);</item>
/// <item>anything else (a mutable class, <c>List&lt;T&gt;</c>, an interface or <c>object</c> inside a payload, a
/// delegate) is not.</item>
/// </list>
/// A payload whose static type says nothing (<c>object</c>, an interface, a type parameter) is left to the runtime:
/// see <see cref="IsStaticallyUnknown"/>.
/// </summary>
internal static class ImmutabilityProver
{
    /// <summary>The assembly attribute the generator writes for each type it declares (read back from referenced assemblies).</summary>
    public const string ProvenImmutableAttribute = "Typed.Processes.ProvenImmutableAttribute";

    private const string ImmutableAttribute = "Typed.Processes.ImmutableAttribute";
    private const int MaxDepth = 16;
    private const char LeafMark = '\u0001';

    private static readonly SymbolDisplayFormat TypeOfFormat = SymbolDisplayFormat.FullyQualifiedFormat;
    private static readonly SymbolDisplayFormat MessageFormat = SymbolDisplayFormat.MinimallyQualifiedFormat
        .RemoveMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    /// <summary>True for a static type that says nothing about the values (object, an interface, a type parameter, dynamic):
    /// such a payload is checked by the runtime only.</summary>
    public static bool IsStaticallyUnknown(ITypeSymbol type) =>
        type.SpecialType is SpecialType.System_Object or SpecialType.System_ValueType or SpecialType.System_Enum ||
        type.TypeKind is TypeKind.Interface or TypeKind.TypeParameter or TypeKind.Dynamic or TypeKind.Error;

    /// <summary>
    /// Null when a payload of static type <paramref name="type"/> is proven deeply immutable; otherwise why not, as a
    /// reason chain (e.g. <c>Order.Lines is List&lt;Line&gt;, a mutable collection</c>).
    /// </summary>
    /// <param name="compilation">The assembly being compiled: its types are proven from their fields; types of other
    /// assemblies (metadata or, in an IDE, other projects' sources) only by their assembly's declarations.</param>
    public static string? WhyNot(ITypeSymbol type, IAssemblySymbol compilation)
    {
        var failure = Failure(type, new Proof(null, compilation), 0, payload: true);
        return failure is null ? null : Render(failure);
    }

    /// <summary>The user types within <paramref name="type"/> to declare immutable, or null if it is not provably immutable.</summary>
    public static List<string>? UserTypesToDeclare(ITypeSymbol type)
    {
        var declare = new List<string>();
        return Failure(type, new Proof(declare, null), 0, payload: true) is null ? declare : null;
    }

    /// <summary>
    /// The generator's set: for a class or struct declared in this compilation, what <c>typeof</c> takes to declare it
    /// to the runtime at module load (<c>global::N.Order</c>, <c>global::N.Box&lt;&gt;</c> for a generic one, immutable
    /// given its type arguments are), or null when it is not proven immutable (or is not data: static, an entry class,
    /// known to the runtime already).
    /// </summary>
    public static string? DeclarationOf(INamedTypeSymbol type)
    {
        if (type.TypeKind is not (TypeKind.Class or TypeKind.Struct) || type.IsImplicitlyDeclared || !IsInSource(type)) return null;
        if (IsKnownToRuntime(type)) return null;
        if (type.IsStatic || type.IsRefLikeType || NotData(type) is not null) return null;
        return Failure(type, new Proof(null, type.ContainingAssembly), 0, payload: false) is null ? UnboundTypeOf(type) : null;
    }

    /// <summary>State of one proof: the types being proven (a cycle is immutable if the rest is), and the list of
    /// closed user types to declare (null when not collected), and the assembly whose types are proven from their
    /// fields (null: any type with source).</summary>
    private sealed class Proof(List<string>? declare, IAssemblySymbol? compilation)
    {
        public HashSet<ITypeSymbol> Visiting { get; } = new(SymbolEqualityComparer.Default);
        public List<string>? Declare { get; } = declare;

        public bool IsOwn(INamedTypeSymbol type) =>
            compilation is null ? type.Locations.Any(l => l.IsInSource) : SymbolEqualityComparer.Default.Equals(type.ContainingAssembly, compilation);
    }

    /// <summary>Null when <paramref name="type"/> is proven; else the reason steps, outermost first. A step starting with
    /// <see cref="LeafMark"/> says what the type of the step before it is.</summary>
    /// <param name="payload">True when the value is the payload itself (an array is copied then), false inside one.</param>
    private static List<string>? Failure(ITypeSymbol type, Proof proof, int depth, bool payload)
    {
        var name = Name(type);
        if (depth > MaxDepth) return Leaf(name, "nested too deeply to prove");
        if (type is ITypeParameterSymbol) return null; // a generic definition: its type arguments are checked where it is used
        if (IsKnownToRuntime(type)) return null;
        switch (type)
        {
            case IArrayTypeSymbol array:
                if (!payload) return Leaf(name, "an array (an array is copied on send only when it is the payload itself)");
                if (array.Rank != 1) return Leaf(name, "a multi-dimensional array");
                if (array.ElementType.SpecialType == SpecialType.System_Object) return null; // checked element by element at run time
                return Failure(array.ElementType, proof, depth + 1, payload: true) is { } element ? Chain($"{name} holds {Name(array.ElementType)}", element) : null;
            case IPointerTypeSymbol or IFunctionPointerTypeSymbol:
                return Leaf(name, "a pointer");
            case IDynamicTypeSymbol:
                return Leaf(name, "which can hold any value");
        }
        if (type.SpecialType == SpecialType.System_Object || type.SpecialType == SpecialType.System_ValueType || type.SpecialType == SpecialType.System_Enum)
            return Leaf(name, "which can hold any value");
        if (type is not INamedTypeSymbol named) return Leaf(name, "not known to be immutable");
        switch (named.TypeKind)
        {
            case TypeKind.Interface: return Leaf(name, "an interface, which can hold any implementation");
            case TypeKind.Delegate: return Leaf(name, "a delegate");
            case TypeKind.Error: return null; // the compiler reports it
        }
        if (named.IsRefLikeType) return Leaf(name, "a ref struct");
        if (named.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T) return Failure(named.TypeArguments[0], proof, depth + 1, payload);
        if (named.IsTupleType) return Leaf(name, "a tuple, whose fields are settable (use a positional record)");
        if (named.IsAnonymousType) return Leaf(name, "an anonymous type (use a positional record)");
        // The collections themselves, not their nested builders and enumerators (mutable).
        if (named.IsGenericType && named.ContainingType is null && named.ContainingNamespace?.ToDisplayString() == "System.Collections.Immutable")
        {
            foreach (var argument in named.TypeArguments)
            {
                if (argument.SpecialType == SpecialType.System_Object) continue; // checked element by element at run time
                if (Failure(argument, proof, depth + 1, payload: false) is { } inner) return Chain($"{name} holds {Name(argument)}", inner);
            }
            return null;
        }

        // A closed generic type: immutable when its definition is (given its type arguments are) and its arguments are.
        if (!named.IsDefinition)
        {
            if (Failure(named.OriginalDefinition, proof, depth + 1, payload: false) is { } definition) return definition;
            foreach (var argument in AllTypeArguments(named))
                if (Failure(argument, proof, depth + 1, payload: false) is { } inner) return Chain($"{name} has type argument {Name(argument)}", inner);
            if (proof.Declare is { } closed && proof.IsOwn(named)) Add(closed, named.ToDisplayString(TypeOfFormat));
            return null;
        }

        if (!proof.IsOwn(named))
        {
            if (IsDeclaredByItsAssembly(named)) return null;
            if (Implements(named, "System.Collections.IEnumerable")) return Leaf(name, "a mutable collection");
            return Leaf(name, $"a type of assembly '{named.ContainingAssembly?.Name}' that is not known to be immutable (mark it [Immutable] if it is)");
        }
        if (named.IsStatic) return Leaf(name, "a static class");
        if (NotData(named) is { } notData) return Leaf(name, notData);
        if (!proof.Visiting.Add(named)) return null; // a cycle: immutable if the rest is

        foreach (var field in named.GetMembers().OfType<IFieldSymbol>())
        {
            if (field.IsStatic || field.IsConst) continue;
            var member = field.AssociatedSymbol ?? field;
            var what = member is IPropertySymbol ? "property" : "field";
            // A primary constructor parameter used after construction lives in a field the compiler names <p>P.
            bool captured = field.IsImplicitlyDeclared && field.AssociatedSymbol is null && field.Name.StartsWith("<", System.StringComparison.Ordinal) &&
                            field.Name.EndsWith(">P", System.StringComparison.Ordinal);
            var memberName = captured ? field.Name.Substring(1, field.Name.Length - 3) : member.Name;
            if (!field.IsReadOnly)
                return new List<string> { captured ? $"{name} captures primary constructor parameter '{memberName}', a settable field" : $"{name}.{memberName} is a settable {what}" };
            if (Failure(field.Type, proof, depth + 1, payload: false) is { } inner) return Chain($"{name}.{memberName} is {Name(field.Type)}", inner);
        }
        if (named.BaseType is { } baseType && baseType.SpecialType is not (SpecialType.System_Object or SpecialType.System_ValueType))
        {
            if (Failure(baseType, proof, depth + 1, payload: false) is { } inner) return Chain($"{name} derives from {Name(baseType)}", inner);
        }
        if (proof.Declare is { } declare && !IsGenericOrInGeneric(named)) Add(declare, named.ToDisplayString(TypeOfFormat));
        return null;
    }

    /// <summary>Why a type of this compilation is not data the generator can declare, or null.</summary>
    private static string? NotData(INamedTypeSymbol type)
    {
        if (type.IsFileLocal) return "file-local, so generated code cannot name it (make it internal, or mark it [Immutable])";
        for (var t = type; t is not null; t = t.ContainingType)
            if (t.DeclaredAccessibility is Accessibility.Private or Accessibility.Protected or Accessibility.ProtectedAndInternal)
                return $"{(SymbolEqualityComparer.Default.Equals(t, type) ? "" : $"nested in {Name(t)}, which is ")}{AccessibilityWord(t)}, so generated code cannot name it (make it internal, or mark it [Immutable])";
        if (type.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == EntryShape.EntryAttribute)) return "a process entry class, not data";
        return null;
    }

    private static string AccessibilityWord(INamedTypeSymbol type) => type.DeclaredAccessibility switch
    {
        Accessibility.Private => "private",
        Accessibility.Protected => "protected",
        _ => "private protected",
    };

    private static bool IsDeclaredByItsAssembly(INamedTypeSymbol type)
    {
        var definition = type.OriginalDefinition;
        if (definition.ContainingAssembly is not { } assembly) return false;
        foreach (var attribute in assembly.GetAttributes())
        {
            if (attribute.AttributeClass?.ToDisplayString() != ProvenImmutableAttribute) continue;
            if (attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is INamedTypeSymbol declared &&
                SymbolEqualityComparer.Default.Equals(declared.OriginalDefinition, definition))
                return true;
        }
        return false;
    }

    private static bool IsKnownToRuntime(ITypeSymbol type)
    {
        switch (type.SpecialType)
        {
            case SpecialType.System_Boolean: case SpecialType.System_Char: case SpecialType.System_SByte: case SpecialType.System_Byte:
            case SpecialType.System_Int16: case SpecialType.System_UInt16: case SpecialType.System_Int32: case SpecialType.System_UInt32:
            case SpecialType.System_Int64: case SpecialType.System_UInt64: case SpecialType.System_Single: case SpecialType.System_Double:
            case SpecialType.System_Decimal: case SpecialType.System_String: case SpecialType.System_DateTime: case SpecialType.System_IntPtr:
            case SpecialType.System_UIntPtr:
                return true;
        }
        if (type.TypeKind == TypeKind.Enum) return true;
        var full = type.OriginalDefinition.ToDisplayString();
        if (full is "System.DateTimeOffset" or "System.TimeSpan" or "System.Guid" or "System.DateOnly" or "System.TimeOnly"
            or "Typed.Processes.Pid" or "Typed.Processes.PayloadTable" or "Typed.Processes.ByteString" or "Typed.Processes.ProcessFailure"
            or "Typed.Processes.Pid<TEntry>")
            return true;
        return type.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == ImmutableAttribute);
    }

    private static bool IsInSource(INamedTypeSymbol type) => type.Locations.Any(l => l.IsInSource);

    private static bool Implements(INamedTypeSymbol type, string interfaceName) =>
        type.AllInterfaces.Any(i => i.ToDisplayString() == interfaceName);

    private static IEnumerable<ITypeSymbol> AllTypeArguments(INamedTypeSymbol type)
    {
        var chain = new List<INamedTypeSymbol>();
        for (var t = type; t is not null; t = t.ContainingType) chain.Insert(0, t);
        return chain.SelectMany(t => t.TypeArguments);
    }

    private static bool IsGenericOrInGeneric(INamedTypeSymbol type)
    {
        for (var t = type; t is not null; t = t.ContainingType)
            if (t.IsGenericType) return true;
        return false;
    }

    /// <summary><c>global::N.Outer.Box&lt;,&gt;</c>: the type as <c>typeof</c> takes it, unbound when generic.</summary>
    private static string UnboundTypeOf(INamedTypeSymbol type)
    {
        var parts = new List<string>();
        for (var t = type; t is not null; t = t.ContainingType)
            parts.Insert(0, t.Name + (t.Arity == 0 ? "" : "<" + new string(',', t.Arity - 1) + ">"));
        var ns = type.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() + "." : "";
        return "global::" + ns + string.Join(".", parts);
    }

    private static void Add(List<string> list, string name)
    {
        if (!list.Contains(name)) list.Add(name);
    }

    /// <summary>How messages name a type: <c>List&lt;Line&gt;</c>.</summary>
    public static string DisplayName(ITypeSymbol type) => type.ToDisplayString(MessageFormat);

    private static string Name(ITypeSymbol type) => DisplayName(type);

    private static List<string> Leaf(string name, string what) => new() { LeafMark + what };

    private static List<string> Chain(string step, List<string> inner)
    {
        inner.Insert(0, step);
        return inner;
    }

    /// <summary>Joins the steps: <c>Order.Lines is List&lt;Line&gt;, a mutable collection; ...</c>.</summary>
    private static string Render(List<string> steps)
    {
        var text = new StringBuilder();
        foreach (var step in steps)
        {
            if (step[0] == LeafMark)
            {
                text.Append(text.Length == 0 ? "it is " : ", ").Append(step, 1, step.Length - 1);
                continue;
            }
            if (text.Length > 0) text.Append("; ");
            text.Append(step);
        }
        return text.ToString();
    }
}
