using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Typed.Processes.Generators.Model;
using Typed.Processes.SourceModel;

namespace Typed.Processes.Generators.Parsing;

/// <summary>
/// Turns a <c>[ProcessEntry]</c> class into an <see cref="EntryModel"/>. Classes the generator cannot serve (not partial,
/// generic, abstract, without a usable constructor, malformed reference) yield null: the analyzers report them.
/// Handlers with an invalid signature are left out for the same reason.
/// </summary>
internal static class EntryParser
{
    public const string EntryAttribute = "Typed.Processes.ProcessEntryAttribute";
    private const string TopicAttribute = "Typed.Processes.TopicAttribute";
    private const string InboxAttribute = "Typed.Processes.InboxAttribute";
    private const string MainAttribute = "Typed.Processes.ProcessMainAttribute";
    private const string ProcessContextType = "Typed.Processes.ProcessContext";
    private const string MessageContextType = "Typed.Processes.MessageContext";
    private const string MessageType = "Typed.Processes.Message";

    private static readonly SymbolDisplayFormat TypeFormat = SymbolDisplayFormat.FullyQualifiedFormat
        .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    private static readonly SymbolDisplayFormat TypeOfFormat = SymbolDisplayFormat.FullyQualifiedFormat;

    public static EntryModel? Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not INamedTypeSymbol type || context.TargetNode is not TypeDeclarationSyntax) return null;
        var reference = context.Attributes.FirstOrDefault()?.ConstructorArguments.FirstOrDefault().Value as string;
        if (reference is null || !ReferenceSyntax.IsValid(reference)) return null;
        if (type.IsAbstract || type.IsStatic || type.TypeKind != TypeKind.Class) return null;
        if (!IsPartialChain(type, cancellationToken)) return null;

        var containing = new List<ContainingType>();
        for (var outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            if (outer.IsGenericType) return null;
            containing.Insert(0, new ContainingType(Keyword(outer), outer.Name));
        }
        if (type.IsGenericType) return null;

        bool? ctorTakesContext = null;
        foreach (var ctor in type.InstanceConstructors)
        {
            if (ctor.DeclaredAccessibility == Accessibility.Private) continue;
            if (ctor.Parameters.Length == 1 && IsType(ctor.Parameters[0].Type, ProcessContextType)) { ctorTakesContext = true; break; }
            if (ctor.Parameters.Length == 0) ctorTakesContext = false;
        }
        if (ctorTakesContext is null) return null;

        MainModel? main = null;
        var immutable = new List<string>();
        void Prove(ITypeSymbol t)
        {
            foreach (var name in ImmutabilityProver.UserTypesToDeclare(t) ?? new List<string>())
                if (!immutable.Contains(name)) immutable.Add(name);
        }
        var handlers = new List<HandlerModel>();
        HandlerModel? inbox = null;
        foreach (var method in type.GetMembers().OfType<IMethodSymbol>())
        {
            cancellationToken.ThrowIfCancellationRequested();
            foreach (var attribute in method.GetAttributes())
            {
                var name = attribute.AttributeClass?.ToDisplayString();
                if (method.IsStatic || method.IsGenericMethod) continue;
                if (name is TopicAttribute or MainAttribute)
                    foreach (var p in method.Parameters) Prove(p.Type);
                if (name == MainAttribute && method.ReturnType is INamedTypeSymbol { IsGenericType: true } r) Prove(r.TypeArguments[0]);
                else if (name == MainAttribute) Prove(method.ReturnType);
                if (name == TopicAttribute && attribute.ConstructorArguments.FirstOrDefault().Value is string topic && topic.Length > 0)
                {
                    if (ParseHandler(method, topic) is { } h && handlers.All(x => x.Topic != topic)) handlers.Add(h);
                }
                else if (name == InboxAttribute && inbox is null)
                {
                    inbox = ParseHandler(method, null);
                }
                else if (name == MainAttribute && main is null)
                {
                    main = ParseMain(method);
                }
            }
        }
        // With handlers, main only sets up; a result-returning main is invalid (TP0005) and left out.
        if (main is not null && (handlers.Count > 0 || inbox is not null) && main.Returns is ReturnKind.Value or ReturnKind.TaskOfT or ReturnKind.ValueTaskOfT)
            main = null;

        return new EntryModel(
            reference,
            type.ContainingNamespace.IsGlobalNamespace ? null : type.ContainingNamespace.ToDisplayString(),
            containing.ToEquatableArray(),
            Keyword(type),
            type.Name,
            IsEffectivelyPublic(type),
            ctorTakesContext.Value,
            main,
            handlers.ToEquatableArray(),
            inbox,
            immutable.ToEquatableArray());
    }

    private static HandlerModel? ParseHandler(IMethodSymbol method, string? topic)
    {
        var returns = Returns(method.ReturnType);
        if (returns is not (ReturnKind.Void or ReturnKind.Task or ReturnKind.ValueTask)) return null;
        string? payload = null, typeOf = null;
        var arguments = new List<string>();
        foreach (var p in method.Parameters)
        {
            if (p.RefKind != RefKind.None) return null;
            if (IsType(p.Type, MessageContextType)) { if (arguments.Contains("context")) return null; arguments.Add("context"); }
            else if (topic is null)
            {
                if (!IsType(p.Type, MessageType) || arguments.Contains("message")) return null;
                arguments.Add("message");
            }
            else
            {
                if (payload is not null || p.Type is ITypeParameterSymbol || p.Type.IsRefLikeType) return null;
                payload = p.Type.ToDisplayString(TypeFormat);
                typeOf = p.Type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(TypeOfFormat);
                arguments.Add("payload");
            }
        }
        if (topic is null && !arguments.Contains("message")) return null;
        return new HandlerModel(method.Name, topic, payload, typeOf, arguments.ToEquatableArray(), returns);
    }

    private static MainModel? ParseMain(IMethodSymbol method)
    {
        var parameters = new List<ParameterModel>();
        bool takesContext = false;
        for (int i = 0; i < method.Parameters.Length; i++)
        {
            var p = method.Parameters[i];
            if (p.RefKind != RefKind.None || p.IsParams) return null;
            if (i == 0 && IsType(p.Type, ProcessContextType)) { takesContext = true; continue; }
            if (p.Type is ITypeParameterSymbol || p.Type.IsRefLikeType) return null;
            parameters.Add(new ParameterModel(p.Name, p.Type.ToDisplayString(TypeFormat)));
        }
        return new MainModel(method.Name, takesContext, parameters.ToEquatableArray(), Returns(method.ReturnType));
    }

    private static ReturnKind Returns(ITypeSymbol type)
    {
        if (type.SpecialType == SpecialType.System_Void) return ReturnKind.Void;
        if (type is INamedTypeSymbol named && named.ContainingNamespace?.ToDisplayString() == "System.Threading.Tasks")
        {
            if (named.Name == "Task") return named.IsGenericType ? ReturnKind.TaskOfT : ReturnKind.Task;
            if (named.Name == "ValueTask") return named.IsGenericType ? ReturnKind.ValueTaskOfT : ReturnKind.ValueTask;
        }
        return ReturnKind.Value;
    }

    private static bool IsType(ITypeSymbol type, string metadataName) =>
        type is INamedTypeSymbol { ContainingType: null } named && named.ContainingNamespace is { IsGlobalNamespace: false } ns &&
        ns.ToDisplayString() + "." + named.MetadataName == metadataName;

    private static bool IsPartialChain(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        for (var t = type; t is not null; t = t.ContainingType)
        {
            bool partial = t.DeclaringSyntaxReferences.Length > 0 && t.DeclaringSyntaxReferences.All(r =>
                r.GetSyntax(cancellationToken) is TypeDeclarationSyntax d && d.Modifiers.Any(SyntaxKind.PartialKeyword));
            if (!partial) return false;
        }
        return true;
    }

    private static string Keyword(INamedTypeSymbol type) => type switch
    {
        { IsRecord: true, TypeKind: TypeKind.Struct } => "record struct",
        { IsRecord: true } => "record",
        { TypeKind: TypeKind.Struct } => "struct",
        { TypeKind: TypeKind.Interface } => "interface",
        _ => "class",
    };

    private static bool IsEffectivelyPublic(INamedTypeSymbol type)
    {
        for (ISymbol? s = type; s is INamedTypeSymbol; s = s.ContainingType)
            if (s.DeclaredAccessibility != Accessibility.Public) return false;
        return true;
    }
}
