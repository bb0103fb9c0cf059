using Microsoft.CodeAnalysis;

namespace Typed.Processes.Analyzers;

/// <summary>Every diagnostic the Typed.Processes analyzers report (see docs/diagnostics).</summary>
internal static class Diagnostics
{
    public const string Category = "Typed.Processes";

    private static string HelpLink(string id) => $"https://github.com/typed-processes/typed-processes/blob/main/docs/diagnostics/{id}.md";

    private static DiagnosticDescriptor Error(string id, string title, string message, string description, bool compilationEnd = false) =>
        new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true, description: description, helpLinkUri: HelpLink(id),
            customTags: compilationEnd ? new[] { WellKnownDiagnosticTags.CompilationEnd } : System.Array.Empty<string>());

    public static readonly DiagnosticDescriptor UnknownTopic = Error(
        "TP0001",
        "Unknown topic",
        "Topic '{0}' is not a topic of entry '{1}'{2}",
        "A constant topic sent to a typed PID (Pid<T>) must be one of the topics the entry T declares; the process would refuse the message.");

    public static readonly DiagnosticDescriptor UnknownEntry = Error(
        "TP0002",
        "Unknown entry reference",
        "Entry reference '{0}' {1}",
        "A constant entry reference must have the form 'namespace:name' and name an entry declared in the compilation, a referenced assembly, a manifest or a registration.", compilationEnd: true);

    public static readonly DiagnosticDescriptor UnknownHost = Error(
        "TP0003",
        "Unknown host reference",
        "Host reference '{0}' {1}",
        "A constant host reference must have the form 'namespace:name' and name a host declared with [assembly: ProcessHost], in a manifest or with Hosts.Add.", compilationEnd: true);

    public static readonly DiagnosticDescriptor PayloadNotAccepted = Error(
        "TP0004",
        "Payload type not accepted by the topic",
        "Topic '{0}' of entry '{1}' takes a payload of type '{2}', not '{3}'",
        "The payload sent on a declared topic must be implicitly convertible to the topic's payload type; the process would refuse the message.");

    public static readonly DiagnosticDescriptor InvalidHandler = Error(
        "TP0005",
        "Invalid handler signature",
        "'{0}' is not a valid handler: {1}",
        "[Topic], [Inbox], [OnExit], [OnLinkDown], [OnCancel] and [ProcessMain] methods must have the shapes the source generator can call.");

    public static readonly DiagnosticDescriptor DuplicateEntry = Error(
        "TP0006",
        "Duplicate entry reference",
        "Entry reference '{0}' is declared more than once ({1})",
        "Each entry reference may be declared once; the runtime refuses to register the second entry.", compilationEnd: true);

    public static readonly DiagnosticDescriptor NotPartial = Error(
        "TP0007",
        "Entry class must be partial",
        "{0} '{1}' must be partial because the source generator adds members to the process entry '{2}'",
        "The source generator adds members to an entry class, so the class and every type that contains it must be declared partial.");

    public static readonly DiagnosticDescriptor InvalidEntry = Error(
        "TP0008",
        "Entry class cannot be instantiated or reference is malformed",
        "{0}",
        "An entry class must be a non-generic, non-abstract, non-static class with a parameterless constructor or one whose parameters are a ProcessContext and services, and entry and host references must have the form 'namespace:name'.");

    public static readonly DiagnosticDescriptor UnreadableManifest = Error(
        "TP0009",
        "Manifest cannot be read",
        "Manifest cannot be read: {0}",
        "An _index.yaml manifest among the AdditionalFiles has an error that the runtime would refuse it for (YAML syntax, a missing or malformed field, a duplicate entry). While a manifest has errors, TP0002 and TP0003 do not report undeclared references, since the manifest's entries are not known.");

    public static readonly DiagnosticDescriptor PayloadNotImmutable = Error(
        "TP0010",
        "Payload type is not deeply immutable",
        "{0} is not deeply immutable: {1}",
        "A value that travels between processes (a sent, replied or returned payload, a call's reply, a spawn argument, the type of a typed listener, a [Topic] handler's payload, a [ProcessMain] argument or result) must be deeply immutable: read-only fields and init-only properties of immutable types, immutable collections of such, or a type marked [Immutable]. The runtime would refuse the value, or the processes would share mutable memory. A payload typed object or an interface is checked by the runtime only.");
    public static readonly DiagnosticDescriptor ReplyTypeMismatch = Error(
        "TP0011",
        "Reply type does not match the topic's reply",
        "Topic '{0}' of entry '{1}' {2}",
        "A call (CallAsync<T>) to a typed PID (Pid<E>) must ask for the reply type the topic declares (a [Topic] handler's returned type or its Reply, a manifest's 'reply:'), or a type that reply converts to without a cast; any other T fails every call at run time, and a topic that declares no reply is never answered.");

    public static readonly DiagnosticDescriptor UnknownManifestType = Error(
        "TP0012",
        "Manifest names an unknown type",
        "Type '{0}' in {1} of entry '{2}' is not a known type{3}",
        "A C# type named in a manifest's meta.topics or meta.args must exist in the project or its references, as seen from the project's root namespace with 'using System; using System.Collections.Generic; using Typed.Processes;'. The generated stubs take object? in its place until it is fixed.");

    public static readonly DiagnosticDescriptor InvalidSupervisor = Error(
        "TP0013",
        "Invalid supervisor class",
        "{0}",
        "A [Supervisor] class must be a partial, non-generic, non-static class declared in a namespace, with a well-formed reference, a Strategy of one_for_one, one_for_all or rest_for_one, an Intensity of at least 0, a positive Period duration, and a 'static IEnumerable<ChildSpec> Children()' method; the generator adds nothing to a class that breaks a rule.");
}
