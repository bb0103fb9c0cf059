// Shared by the generator and the analyzers (linked into both).
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace Typed.Processes.SourceModel;

/// <summary>
/// Proves at compile time that a payload type is deeply immutable: every instance field (including inherited and
/// auto-property backing fields) is read-only and of an immutable type. Positional records of primitives, strings
/// and other such records qualify. Types the runtime already knows (primitives, strings, <c>Pid</c>, immutable
/// collections, <c>[Immutable]</c>) need no declaration and are not returned.
/// </summary>
internal static class ImmutabilityProver
{
    private static readonly SymbolDisplayFormat TypeOfFormat = SymbolDisplayFormat.FullyQualifiedFormat;

    /// <summary>The user types within <paramref name="type"/> to declare immutable, or null if it is not provably immutable.</summary>
    public static List<string>? UserTypesToDeclare(ITypeSymbol type)
    {
        var declare = new List<string>();
        return Prove(type, new HashSet<ITypeSymbol>(SymbolEqualityComparer.Default), declare, 0) ? declare : null;
    }

    private static bool Prove(ITypeSymbol type, HashSet<ITypeSymbol> visiting, List<string> declare, int depth)
    {
        if (depth > 16) return false;
        if (IsKnownToRuntime(type)) return true;
        if (type is not INamedTypeSymbol named || type.TypeKind is TypeKind.Interface or TypeKind.Delegate || named.IsGenericType && named.TypeArguments.Any(a => a is ITypeParameterSymbol))
            return false;
        if (named.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T) return Prove(named.TypeArguments[0], visiting, declare, depth + 1);
        if (named.ContainingNamespace?.ToDisplayString() == "System.Collections.Immutable" && named.IsGenericType)
            return named.TypeArguments.All(a => a.SpecialType == SpecialType.System_Object || Prove(a, visiting, declare, depth + 1));
        if (named.Locations.All(l => !l.IsInSource)) return false; // only types of this compilation can be proven here
        if (!visiting.Add(named)) return true; // a cycle: immutable if the rest is
        for (var t = named; t is not null && t.SpecialType != SpecialType.System_Object && t.SpecialType != SpecialType.System_ValueType; t = t.BaseType)
        {
            if (t.Locations.All(l => !l.IsInSource)) return false;
            foreach (var field in t.GetMembers().OfType<IFieldSymbol>())
            {
                if (field.IsStatic || field.IsConst) continue;
                if (!field.IsReadOnly || !Prove(field.Type, visiting, declare, depth + 1)) return false;
            }
        }
        var name = named.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(TypeOfFormat);
        if (!declare.Contains(name)) declare.Add(name);
        return true;
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
            or "Typed.Processes.Pid" or "Typed.Processes.PayloadTable" or "Typed.Processes.ProcessFailure" or "Typed.Processes.Pid<TEntry>")
            return true;
        return type.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "Typed.Processes.ImmutableAttribute");
    }
}
