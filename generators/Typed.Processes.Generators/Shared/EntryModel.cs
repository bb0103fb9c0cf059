// Shared by the generator and the analyzers (linked into both): what the entry-shape rules read from a [ProcessEntry] class.
namespace Typed.Processes.SourceModel;

/// <summary>How a generated call awaits a user method.</summary>
internal enum ReturnKind
{
    Void,
    Value,
    Task,
    TaskOfT,
    ValueTask,
    ValueTaskOfT,
}

/// <summary>A type that contains the entry class (outermost first): its keyword (class, struct, record) and name.</summary>
internal sealed record ContainingType(string Keyword, string Name);

/// <summary>A spawn argument of the main method.</summary>
internal sealed record ParameterModel(string Name, string Type);

/// <summary>The <c>[ProcessMain]</c> method.</summary>
/// <param name="ResultType">The type of the value it returns (the <c>T</c> of <c>T</c>, <c>Task&lt;T&gt;</c>, <c>ValueTask&lt;T&gt;</c>), fully qualified; null when it returns none.</param>
internal sealed record MainModel(string MethodName, bool TakesContext, EquatableArray<ParameterModel> Parameters, ReturnKind Returns, string? ResultType = null);

/// <summary>A <c>[Topic]</c> or <c>[Inbox]</c> handler.</summary>
/// <param name="Topic">The topic, or null for the inbox handler.</param>
/// <param name="PayloadType">The payload parameter's type (fully qualified, with nullable annotation), or null when it has none.</param>
/// <param name="TypeOfPayload">The same type as <c>typeof</c> accepts it (no nullable reference annotation).</param>
/// <param name="Arguments">What to pass, in order: "payload", "context" (the MessageContext) or "message".</param>
/// <param name="ReplyType">The reply type when the topic is a call (fully qualified, with nullable annotation), else null.
/// The handler returns it (<see cref="ReturnsReply"/>) or answers through its reply handle.</param>
internal sealed record HandlerModel(string MethodName, string? Topic, string? PayloadType, string? TypeOfPayload, EquatableArray<string> Arguments, ReturnKind Returns, string? ReplyType = null)
{
    /// <summary>True when the handler returns its reply (the dispatch answers the call with it).</summary>
    public bool ReturnsReply => Returns is ReturnKind.Value or ReturnKind.TaskOfT or ReturnKind.ValueTaskOfT;
}

/// <summary>An <c>[OnExit]</c>, <c>[OnLinkDown]</c> or <c>[OnCancel]</c> handler.</summary>
/// <param name="Kind">"Exit", "LinkDown" or "Cancel" (a <c>ProcessEventKind</c> member name).</param>
/// <param name="Arguments">What to pass, in order: "event", "pid", "result", "error", "reason", "deadline", "context" or "cancellation".</param>
internal sealed record EventHandlerModel(string MethodName, string Kind, EquatableArray<string> Arguments, ReturnKind Returns);

/// <summary>A C# entry class, everything the emitter needs, nothing from Roslyn.</summary>
/// <remarks><see cref="ImmutableTypes"/>: user payload/argument/result types proven immutable, declared to the runtime.</remarks>
internal sealed record EntryModel(
    string Reference,
    string? Namespace,
    EquatableArray<ContainingType> ContainingTypes,
    string TypeKeyword,
    string TypeName,
    bool IsPublic,
    bool ConstructorTakesContext,
    EquatableArray<string> ConstructorArguments,
    MainModel? Main,
    EquatableArray<HandlerModel> Handlers,
    HandlerModel? Inbox,
    EquatableArray<string> ImmutableTypes,
    EquatableArray<EventHandlerModel> EventHandlers)
{
    /// <summary>The type's name as seen from its namespace, e.g. <c>Outer.Inner</c>.</summary>
    public string QualifiedTypeName => ContainingTypes.Count == 0 ? TypeName : string.Join(".", System.Linq.Enumerable.Select(ContainingTypes, t => t.Name)) + "." + TypeName;

    /// <summary>The fully qualified name, <c>global::N.Outer.Inner</c>.</summary>
    public string FullyQualifiedName => "global::" + (Namespace is null ? "" : Namespace + ".") + QualifiedTypeName;

    /// <summary>Whether the entry handles messages (so it runs a dispatch loop).</summary>
    public bool HasHandlers => Handlers.Count > 0 || Inbox is not null || EventHandlers.Count > 0;
}
