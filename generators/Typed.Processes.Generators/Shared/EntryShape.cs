// Shared by the generator and the analyzers (linked into both): the one definition of a valid [ProcessEntry] class,
// [Topic]/[Inbox] handler and [ProcessMain] method. The generator turns a valid shape into an EntryModel and leaves
// out what is invalid; the analyzers report the problems.
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Typed.Processes.SourceModel;

/// <summary>The diagnostic a problem of an entry's shape is reported as.</summary>
internal enum EntryRule
{
    /// <summary>TP0005. Arguments: the method's name, what is wrong with it.</summary>
    InvalidHandler,

    /// <summary>TP0007. Arguments: "Entry class" or "Containing type", that type's name, the entry reference.</summary>
    NotPartial,

    /// <summary>TP0008. Arguments: the whole message.</summary>
    InvalidEntry,
}

/// <summary>One thing wrong with an entry: which rule, where, and the arguments of the rule's message.</summary>
internal sealed record EntryProblem(EntryRule Rule, Location Location, params string[] Arguments);

/// <summary>A valid <c>[Topic]</c> or <c>[Inbox]</c> handler (never compared: it holds symbols).</summary>
/// <param name="Topic">The topic, or null for the inbox handler.</param>
/// <param name="Payload">The payload parameter, or null when the handler takes none.</param>
/// <param name="Arguments">What to pass, in order: "payload", "context" (the MessageContext) or "message".</param>
/// <param name="Reply">The reply type when the topic is a call (the returned value's type, or the declared
/// <c>Reply</c> of a handler that answers later); null otherwise.</param>
internal sealed record HandlerShape(IMethodSymbol Method, string? Topic, IParameterSymbol? Payload, EquatableArray<string> Arguments, ReturnKind Returns, ITypeSymbol? Reply = null);

/// <summary>A valid <c>[OnExit]</c>, <c>[OnLinkDown]</c> or <c>[OnCancel]</c> handler (never compared: it holds symbols).</summary>
/// <param name="Kind">The event kind it handles: "Exit", "LinkDown" or "Cancel" (a <c>ProcessEventKind</c> member name).</param>
/// <param name="Arguments">What to pass, in order: "event", "pid", "result", "error", "reason", "deadline", "context" or
/// "cancellation" (for Cancel the deadline's token, else the process's termination token).</param>
internal sealed record EventHandlerShape(IMethodSymbol Method, string Kind, EquatableArray<string> Arguments, ReturnKind Returns);

/// <summary>A valid <c>[ProcessMain]</c> method (never compared: it holds symbols).</summary>
/// <param name="TakesContext">True when the first parameter is a ProcessContext (not a spawn argument).</param>
/// <param name="Arguments">The spawn arguments: the parameters after an optional first ProcessContext.</param>
internal sealed record MainShape(IMethodSymbol Method, bool TakesContext, IReadOnlyList<IParameterSymbol> Arguments, ReturnKind Returns);

/// <summary>
/// A <c>[ProcessEntry]</c> class as the rules read it: its valid handlers and main method, whether the class itself
/// can be served, and every problem found on the way.
/// </summary>
internal sealed class EntryShape
{
    public const string EntryAttribute = "Typed.Processes.ProcessEntryAttribute";
    private const string TopicAttribute = "Typed.Processes.TopicAttribute";
    private const string InboxAttribute = "Typed.Processes.InboxAttribute";
    private const string MainAttribute = "Typed.Processes.ProcessMainAttribute";
    private const string CancellationTokenType = "System.Threading.CancellationToken";

    /// <summary>The event handler attributes: attribute, the kind it handles, its name as written in messages.</summary>
    private static readonly (string Attribute, string Kind, string Name)[] EventAttributes =
    [
        ("Typed.Processes.OnExitAttribute", "Exit", "[OnExit]"),
        ("Typed.Processes.OnLinkDownAttribute", "LinkDown", "[OnLinkDown]"),
        ("Typed.Processes.OnCancelAttribute", "Cancel", "[OnCancel]"),
    ];
    private const string ProcessContextType = "Typed.Processes.ProcessContext";
    private const string MessageContextType = "Typed.Processes.MessageContext";
    private const string MessageType = "Typed.Processes.Message";

    /// <summary>Types that belong to a running process or to the runtime: they cannot be sent, so a handler cannot
    /// take one as its payload (the generated Send stub could never succeed).</summary>
    private static readonly string[] RuntimeTypes =
    [
        ProcessContextType, MessageType, "Typed.Processes.ProcessRuntime", "Typed.Processes.ProcessChannel",
        "Typed.Processes.ProcessChannel`1", "Typed.Processes.ReplyHandle",
    ];

    private static readonly SymbolDisplayFormat TypeFormat = SymbolDisplayFormat.FullyQualifiedFormat
        .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    private static readonly SymbolDisplayFormat TypeOfFormat = SymbolDisplayFormat.FullyQualifiedFormat;

    private readonly List<EntryProblem> _problems = new();
    private readonly List<HandlerShape> _handlers = new();
    private readonly List<EventHandlerShape> _eventHandlers = new();
    private bool _classIsValid = true;

    private EntryShape(INamedTypeSymbol type, string? reference)
    {
        Type = type;
        Reference = reference;
    }

    public INamedTypeSymbol Type { get; }

    /// <summary>The entry reference as written (null when it is not a string).</summary>
    public string? Reference { get; }

    /// <summary>True when the constructor the generated code calls takes a ProcessContext.</summary>
    public bool ConstructorTakesContext { get; private set; }

    /// <summary>
    /// What the constructor the generated code calls takes when it takes services: in order, <c>context</c> (the
    /// ProcessContext), <c>!T</c> (a service it needs) or <c>?T</c> (a nullable or optional one), T fully qualified.
    /// Empty for a parameterless constructor or one taking a single ProcessContext (<see cref="ConstructorTakesContext"/>).
    /// </summary>
    public EquatableArray<string> ConstructorArguments { get; private set; } = EquatableArray<string>.Empty;

    /// <summary>The valid <c>[Topic]</c> handlers, one a topic, in declaration order.</summary>
    public IReadOnlyList<HandlerShape> Handlers => _handlers;

    /// <summary>The valid <c>[Inbox]</c> handler, if any.</summary>
    public HandlerShape? Inbox { get; private set; }

    /// <summary>The valid event handlers, at most one a kind, in declaration order.</summary>
    public IReadOnlyList<EventHandlerShape> EventHandlers => _eventHandlers;

    /// <summary>The valid <c>[ProcessMain]</c> method, if any.</summary>
    public MainShape? Main { get; private set; }

    /// <summary>Everything wrong with the class and its methods, in the order found.</summary>
    public IReadOnlyList<EntryProblem> Problems => _problems;

    /// <summary>The shape of <paramref name="type"/>, or null when it has no <c>[ProcessEntry]</c> attribute.</summary>
    public static EntryShape? Read(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        if (FindAttribute(type, EntryAttribute) is not { } attribute) return null;
        var shape = new EntryShape(type, FirstString(attribute));
        shape.CheckClass(attribute, cancellationToken);
        shape.ReadMethods(cancellationToken);
        return shape;
    }

    /// <summary>
    /// What the generator emits from this shape, or null when the class cannot be served (a malformed reference, not
    /// partial, not instantiable). Invalid handlers and main methods are left out.
    /// </summary>
    public EntryModel? ToModel()
    {
        if (!_classIsValid) return null;
        var containing = new List<ContainingType>();
        for (var outer = Type.ContainingType; outer is not null; outer = outer.ContainingType)
            containing.Insert(0, new ContainingType(Keyword(outer), outer.Name));

        // User types of payloads, spawn arguments and the result, proven immutable, in declaration order.
        var immutable = new List<string>();
        void Prove(ITypeSymbol t)
        {
            foreach (var name in ImmutabilityProver.UserTypesToDeclare(t) ?? new List<string>())
                if (!immutable.Contains(name)) immutable.Add(name);
        }
        foreach (var method in Type.GetMembers().OfType<IMethodSymbol>())
        {
            bool isMain = Main is not null && SymbolEqualityComparer.Default.Equals(Main.Method, method);
            if (!isMain && !_handlers.Any(h => SymbolEqualityComparer.Default.Equals(h.Method, method))) continue;
            foreach (var p in method.Parameters) Prove(p.Type);
            if (_handlers.FirstOrDefault(h => SymbolEqualityComparer.Default.Equals(h.Method, method))?.Reply is { } reply) Prove(reply);
            if (isMain) Prove(method.ReturnType is INamedTypeSymbol { IsGenericType: true } r ? r.TypeArguments[0] : method.ReturnType);
        }

        MainModel? main = Main is null ? null : new MainModel(
            Main.Method.Name,
            Main.TakesContext,
            Main.Arguments.Select(p => new ParameterModel(p.Name, p.Type.ToDisplayString(TypeFormat))).ToEquatableArray(),
            Main.Returns,
            Main.Returns switch
            {
                ReturnKind.Value => Main.Method.ReturnType.ToDisplayString(TypeFormat),
                ReturnKind.TaskOfT or ReturnKind.ValueTaskOfT => ((INamedTypeSymbol)Main.Method.ReturnType).TypeArguments[0].ToDisplayString(TypeFormat),
                _ => null,
            });
        return new EntryModel(
            Reference!,
            Type.ContainingNamespace.IsGlobalNamespace ? null : Type.ContainingNamespace.ToDisplayString(),
            containing.ToEquatableArray(),
            Keyword(Type),
            Type.Name,
            IsEffectivelyPublic(Type),
            ConstructorTakesContext,
            ConstructorArguments,
            main,
            _handlers.Select(ToModel).ToEquatableArray(),
            Inbox is null ? null : ToModel(Inbox),
            immutable.ToEquatableArray(),
            _eventHandlers.Select(h => new EventHandlerModel(h.Method.Name, h.Kind, h.Arguments, h.Returns)).ToEquatableArray());
    }

    private static HandlerModel ToModel(HandlerShape handler) => new(
        handler.Method.Name,
        handler.Topic,
        handler.Payload?.Type.ToDisplayString(TypeFormat),
        handler.Payload?.Type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(TypeOfFormat),
        handler.Arguments,
        handler.Returns,
        handler.Reply?.ToDisplayString(TypeFormat));

    private void CheckClass(AttributeData attribute, CancellationToken cancellationToken)
    {
        var location = Type.Locations.FirstOrDefault() ?? Location.None;
        void Invalid(Location where, string message)
        {
            _classIsValid = false;
            _problems.Add(new EntryProblem(EntryRule.InvalidEntry, where, message));
        }

        if (!ReferenceSyntax.IsValid(Reference))
            Invalid(ArgumentLocation(attribute, location), $"Entry reference '{Reference}' of '{Type.Name}' is malformed: {ReferenceSyntax.Expected}");

        for (var t = Type; t is not null; t = t.ContainingType)
        {
            if (IsPartial(t, cancellationToken)) continue;
            // One problem, on the entry class; the code fix makes every type in the chain partial.
            _classIsValid = false;
            var kind = SymbolEqualityComparer.Default.Equals(t, Type) ? "Entry class" : "Containing type";
            _problems.Add(new EntryProblem(EntryRule.NotPartial, location, kind, t.Name, Reference ?? Type.Name));
            break;
        }

        void CannotInstantiate(string why) => Invalid(location, $"Entry class '{Type.Name}' cannot be instantiated: {why}");
        if (Type.TypeKind != TypeKind.Class) { CannotInstantiate("it is not a class"); return; }
        if (Type.IsStatic) { CannotInstantiate("it is static"); return; }
        if (Type.IsAbstract) CannotInstantiate("it is abstract");
        if (IsGenericOrInGeneric(Type)) CannotInstantiate("it is generic (or nested in a generic type)");
        // The generated code is a member of the class, so a private constructor will do. It calls the constructor with
        // the most parameters, each a ProcessContext (at most one) or a service (a reference type, from the process's
        // ProcessContext.Services); two such constructors of that length would be a guess.
        IMethodSymbol? chosen = null;
        var tied = false;
        foreach (var ctor in Type.InstanceConstructors)
        {
            if (!IsInjectable(ctor)) continue;
            if (chosen is null || ctor.Parameters.Length > chosen.Parameters.Length) (chosen, tied) = (ctor, false);
            else if (ctor.Parameters.Length == chosen.Parameters.Length) tied = true;
        }
        if (chosen is null)
        {
            CannotInstantiate("it needs a parameterless constructor, or one whose parameters are a ProcessContext and services (reference types)");
            return;
        }
        if (tied)
        {
            CannotInstantiate($"it has two constructors of {chosen.Parameters.Length} parameters a process could be created with: keep one");
            return;
        }
        ConstructorTakesContext = chosen.Parameters.Length == 1 && IsType(chosen.Parameters[0].Type, ProcessContextType);
        if (chosen.Parameters.Length > 0 && !ConstructorTakesContext)
            ConstructorArguments = chosen.Parameters.Select(p =>
                IsType(p.Type, ProcessContextType) ? "context"
                : (p.NullableAnnotation == NullableAnnotation.Annotated || p.HasExplicitDefaultValue ? "?" : "!") + p.Type.ToDisplayString(TypeOfFormat))
                .ToEquatableArray();

        static bool IsInjectable(IMethodSymbol ctor)
        {
            var contexts = 0;
            foreach (var p in ctor.Parameters)
            {
                if (p.RefKind != RefKind.None || p.IsParams) return false;
                if (IsType(p.Type, ProcessContextType)) { if (++contexts > 1) return false; continue; }
                if (!p.Type.IsReferenceType || p.Type.TypeKind is TypeKind.TypeParameter or TypeKind.Dynamic or TypeKind.Error) return false;
            }
            return true;
        }
    }

    private void ReadMethods(CancellationToken cancellationToken)
    {
        var methods = Type.GetMembers().OfType<IMethodSymbol>().ToArray();
        bool hasHandlers = methods.Any(m => FindAttribute(m, TopicAttribute) is not null || FindAttribute(m, InboxAttribute) is not null ||
                                            EventAttributes.Any(a => FindAttribute(m, a.Attribute) is not null));
        var eventKinds = new HashSet<string>(System.StringComparer.Ordinal);
        var topics = new HashSet<string>(System.StringComparer.Ordinal);
        bool sawInbox = false, sawMain = false;
        foreach (var method in methods)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (FindAttribute(method, TopicAttribute) is { } topicAttribute)
            {
                var why = Common(method);
                var topic = FirstString(topicAttribute);
                if (string.IsNullOrEmpty(topic)) why.Insert(0, "the topic name is empty");
                else if (!topics.Add(topic!)) why.Insert(0, $"another handler in '{Type.Name}' already handles topic '{topic}'");
                IParameterSymbol? payload = null;
                var arguments = new List<string>();
                int contexts = 0, payloads = 0, tokens = 0;
                foreach (var p in method.Parameters)
                {
                    if (IsType(p.Type, MessageContextType)) { contexts++; arguments.Add("context"); }
                    else if (IsType(p.Type, CancellationTokenType)) { tokens++; arguments.Add("cancellation"); }
                    else { payloads++; payload ??= p; arguments.Add("payload"); }
                }
                if (contexts > 1) why.Add("a [Topic] handler takes at most one MessageContext parameter");
                if (tokens > 1) why.Add("a [Topic] handler takes at most one CancellationToken parameter");
                if (payloads > 1) why.Add("a [Topic] handler takes at most one payload parameter (plus an optional MessageContext)");
                if (payload is not null && payload.Type.IsRefLikeType) why.Add("its payload must not be a ref struct (such as Span<T>)");
                if (payload is not null && System.Array.Exists(RuntimeTypes, t => IsType(payload.Type, t)))
                    why.Add($"its payload must be data that can be sent, not a runtime object ({payload.Type.Name}); a handler gets its process's context through a MessageContext parameter");
                var returns = Returns(method.ReturnType);
                var reply = ReadReply(method, returns, topicAttribute, why);
                if (Accept(method, why)) _handlers.Add(new HandlerShape(method, topic, payload, arguments.ToEquatableArray(), returns, reply));
            }
            if (FindAttribute(method, InboxAttribute) is not null)
            {
                var why = Common(method);
                if (sawInbox) why.Insert(0, $"'{Type.Name}' already has an [Inbox] handler; a class has at most one");
                sawInbox = true;
                // (Message[, MessageContext][, CancellationToken])
                var ps = method.Parameters;
                var arguments = new List<string>();
                bool shape = ps.Length >= 1 && IsType(ps[0].Type, MessageType);
                if (shape) arguments.Add("message");
                int next = 1;
                if (shape && next < ps.Length && IsType(ps[next].Type, MessageContextType)) { arguments.Add("context"); next++; }
                if (shape && next < ps.Length && IsType(ps[next].Type, CancellationTokenType)) { arguments.Add("cancellation"); next++; }
                if (!shape || next != ps.Length)
                    why.Add("an [Inbox] handler takes (Message) or (Message, MessageContext), optionally followed by a CancellationToken");
                var returns = Returns(method.ReturnType);
                if (!IsVoidOrTask(returns)) why.Add("an [Inbox] handler must return void, Task or ValueTask");
                if (Accept(method, why)) Inbox = new HandlerShape(method, null, null, arguments.ToEquatableArray(), returns);
            }
            foreach (var (attribute, kind, name) in EventAttributes)
            {
                if (FindAttribute(method, attribute) is null) continue;
                var why = Common(method);
                if (!eventKinds.Add(kind)) why.Insert(0, $"'{Type.Name}' already has an {name} handler; a class has at most one");
                var arguments = EventArguments(method, kind, name, why);
                var returns = Returns(method.ReturnType);
                if (!IsVoidOrTask(returns)) why.Add($"an {name} handler must return void, Task or ValueTask");
                if (Accept(method, why)) _eventHandlers.Add(new EventHandlerShape(method, kind, arguments.ToEquatableArray(), returns));
            }
            if (FindAttribute(method, MainAttribute) is not null)
            {
                var why = Common(method);
                if (sawMain) why.Insert(0, $"'{Type.Name}' already has a [ProcessMain] method; a class has at most one");
                sawMain = true;
                bool takesContext = method.Parameters.Length > 0 && IsType(method.Parameters[0].Type, ProcessContextType);
                var arguments = method.Parameters.Skip(takesContext ? 1 : 0).ToList();
                if (arguments.Any(p => p.IsParams)) why.Add("its spawn arguments must not be params");
                if (arguments.Any(p => p.Type.IsRefLikeType)) why.Add("its spawn arguments must not be ref structs (such as Span<T>)");
                var returns = Returns(method.ReturnType);
                if (hasHandlers && !IsVoidOrTask(returns))
                    why.Add("a [ProcessMain] method of a class with [Topic], [Inbox] or event handlers must return void, Task or ValueTask");
                if (Accept(method, why)) Main = new MainShape(method, takesContext, arguments, returns);
            }
        }
    }

    /// <summary>
    /// The reply type of a [Topic] handler, null when the topic is not a call. A handler that returns a value
    /// (<c>T</c>, <c>Task&lt;T&gt;</c>, <c>ValueTask&lt;T&gt;</c>) replies with it; one that returns nothing is a call
    /// when its attribute declares <c>Reply = typeof(T)</c> (it answers through <c>MessageContext.ReplyTo</c>, maybe
    /// later). Adds to <paramref name="why"/> what is wrong with the reply.
    /// </summary>
    private static ITypeSymbol? ReadReply(IMethodSymbol method, ReturnKind returns, AttributeData attribute, List<string> why)
    {
        ITypeSymbol? returned = returns switch
        {
            ReturnKind.Value => method.ReturnType,
            ReturnKind.TaskOfT or ReturnKind.ValueTaskOfT => ((INamedTypeSymbol)method.ReturnType).TypeArguments[0],
            _ => null,
        };
        ITypeSymbol? declared = null;
        foreach (var named in attribute.NamedArguments)
            if (named.Key == "Reply" && named.Value.Kind == TypedConstantKind.Type) declared = named.Value.Value as ITypeSymbol;
        if (declared is { TypeKind: TypeKind.Error } || returned is { TypeKind: TypeKind.Error }) return null; // the compiler reports it
        if (declared is not null)
        {
            if (declared.SpecialType == SpecialType.System_Void) { why.Add("its Reply must be the type of the reply's data, not void"); return null; }
            if (declared is INamedTypeSymbol { IsUnboundGenericType: true }) { why.Add($"its Reply must not be an open generic type ({declared.Name}<>)"); return null; }
            if (returned is not null && !SymbolEqualityComparer.Default.Equals(returned, declared))
            {
                why.Add($"it returns '{returned.ToDisplayString()}' but declares Reply = typeof({declared.ToDisplayString()}); a returned value is the reply, so declare the returned type or leave Reply out");
                return null;
            }
        }
        var reply = returned ?? declared;
        if (reply is null) return null;
        if (reply.IsRefLikeType) { why.Add("its reply must not be a ref struct (such as Span<T>)"); return null; }
        if (System.Array.Exists(RuntimeTypes, t => IsType(reply, t)))
        {
            why.Add($"its reply must be data that can be sent, not a runtime object ({reply.Name})");
            return null;
        }
        return reply;
    }

    /// <summary>
    /// The arguments of an event handler, read from its parameters' types (any order, at most one of each):
    /// ProcessEvent, Pid, MessageContext, CancellationToken, and per kind: Exit object (result) and string (error),
    /// LinkDown string (error), Cancel string (reason) and DateTimeOffset? (deadline).
    /// </summary>
    private static List<string> EventArguments(IMethodSymbol method, string kind, string name, List<string> why)
    {
        var arguments = new List<string>();
        foreach (var p in method.Parameters)
        {
            var t = p.Type;
            string? argument =
                IsType(t, "Typed.Processes.ProcessEvent") ? "event" :
                IsType(t, "Typed.Processes.Pid") ? "pid" :
                IsType(t, MessageContextType) ? "context" :
                IsType(t, CancellationTokenType) ? "cancellation" :
                kind == "Exit" && t.SpecialType == SpecialType.System_Object ? "result" :
                kind is "Exit" or "LinkDown" && t.SpecialType == SpecialType.System_String ? "error" :
                kind == "Cancel" && t.SpecialType == SpecialType.System_String ? "reason" :
                kind == "Cancel" && t is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } n &&
                    IsType(n.TypeArguments[0], "System.DateTimeOffset") ? "deadline" :
                null;
            if (argument is null)
                why.Add($"an {name} handler takes, in any order, at most one each of {EventParameters(kind)}; not {t.ToDisplayString()} '{p.Name}'");
            else if (arguments.Contains(argument))
                why.Add($"an {name} handler takes at most one {t.ToDisplayString()} parameter");
            else if (argument is "error" or "result" && t.NullableAnnotation == NullableAnnotation.NotAnnotated)
                why.Add($"its {argument} parameter '{p.Name}' must be nullable ({t.ToDisplayString()}?): it is null when the process {(argument == "error" ? "did not fail" : "failed or returned nothing")}");
            else arguments.Add(argument);
        }
        return arguments;
    }

    private static string EventParameters(string kind) => kind switch
    {
        "Exit" => "Pid (the process that ended), object? (its result), string? (its error), ProcessEvent, MessageContext, CancellationToken",
        "LinkDown" => "Pid (the linked process), string? (its error), ProcessEvent, MessageContext, CancellationToken",
        _ => "string (the reason), DateTimeOffset? (the deadline), CancellationToken (cancelled at the deadline), Pid (who asked), ProcessEvent, MessageContext",
    };

    /// <summary>What is wrong with any [Topic], [Inbox], event handler or [ProcessMain] method.</summary>
    private static List<string> Common(IMethodSymbol method)
    {
        var why = new List<string>();
        if (method.IsStatic) why.Add("it must be an instance method");
        if (method.IsGenericMethod) why.Add("it must not be generic");
        if (method.Parameters.Any(p => p.RefKind != RefKind.None)) why.Add("its parameters must be passed by value (not ref, out or in)");
        return why;
    }

    /// <summary>Records a problem for each of <paramref name="why"/>; true when there is none.</summary>
    private bool Accept(IMethodSymbol method, List<string> why)
    {
        var location = method.Locations.FirstOrDefault() ?? Location.None;
        foreach (var what in why) _problems.Add(new EntryProblem(EntryRule.InvalidHandler, location, method.Name, what));
        return why.Count == 0;
    }

    /// <summary>True if every declaration of <paramref name="type"/> has the <c>partial</c> modifier.</summary>
    public static bool IsPartial(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        foreach (var reference in type.DeclaringSyntaxReferences)
            if (reference.GetSyntax(cancellationToken) is TypeDeclarationSyntax declaration && !declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
                return false;
        return true;
    }

    /// <summary>The location of the attribute's first argument, else of the attribute, else <paramref name="fallback"/>.</summary>
    public static Location ArgumentLocation(AttributeData attribute, Location? fallback)
    {
        if (attribute.ApplicationSyntaxReference?.GetSyntax() is AttributeSyntax syntax)
            return syntax.ArgumentList is { Arguments.Count: > 0 } args ? args.Arguments[0].GetLocation() : syntax.GetLocation();
        return fallback ?? Location.None;
    }

    private static AttributeData? FindAttribute(ISymbol symbol, string metadataName)
    {
        foreach (var attribute in symbol.GetAttributes())
            if (attribute.AttributeClass is { } c && IsType(c, metadataName)) return attribute;
        return null;
    }

    private static string? FirstString(AttributeData attribute) =>
        attribute.ConstructorArguments.Length > 0 && attribute.ConstructorArguments[0].Value is string s ? s : null;

    private static bool IsVoidOrTask(ReturnKind returns) => returns is ReturnKind.Void or ReturnKind.Task or ReturnKind.ValueTask;

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

    private static bool IsGenericOrInGeneric(INamedTypeSymbol type)
    {
        for (var t = type; t is not null; t = t.ContainingType)
            if (t.IsGenericType) return true;
        return false;
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
