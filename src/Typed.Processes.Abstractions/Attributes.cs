using System;

namespace Typed.Processes;

/// <summary>
/// Declares a C# class as a process entry with the reference <c>namespace:name</c>. The class must be
/// <c>partial</c>, non-generic and have a parameterless constructor or one taking a <c>ProcessContext</c>.
/// The source generator adds the entry's constants, typed spawn/send stubs and its registration.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class ProcessEntryAttribute : Attribute
{
    /// <summary>Declares the entry.</summary>
    /// <param name="reference">The entry reference, <c>namespace:name</c>.</param>
    public ProcessEntryAttribute(string reference) => Reference = reference;

    /// <summary>The entry reference, <c>namespace:name</c>.</summary>
    public string Reference { get; }
}

/// <summary>
/// Marks a method of a <see cref="ProcessEntryAttribute"/> class as the handler of a topic. Allowed shapes:
/// up to one payload parameter (the topic's payload type), optionally a <c>MessageContext</c> and a
/// <c>CancellationToken</c> (cancelled when the process is terminated) parameter; returns <c>void</c>, <c>Task</c> or
/// <c>ValueTask</c>, or a value (<c>T</c>, <c>Task&lt;T&gt;</c>, <c>ValueTask&lt;T&gt;</c>): then the topic is a call,
/// and the returned value is the reply.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class TopicAttribute : Attribute
{
    /// <summary>Declares the handler.</summary>
    /// <param name="name">The topic.</param>
    public TopicAttribute(string name) => Name = name;

    /// <summary>The topic.</summary>
    public string Name { get; }

    /// <summary>
    /// The reply type of a handler that answers later (it keeps <c>MessageContext.ReplyTo</c> and replies from
    /// another message): declaring it makes the topic a call with a typed <c>Call…Async</c> stub. A handler that
    /// returns its reply needs none; if it declares one, it must be the returned type.
    /// </summary>
    public Type? Reply { get; set; }
}

/// <summary>
/// Marks the method that receives every message no <see cref="TopicAttribute"/> handler takes. Shape:
/// <c>(Message)</c> or <c>(Message, MessageContext)</c>, either optionally followed by a <c>CancellationToken</c>
/// (cancelled when the process is terminated), returning <c>void</c>, <c>Task</c> or <c>ValueTask</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class InboxAttribute : Attribute
{
}

/// <summary>
/// Marks the method that handles the Exit event of a process this one monitors (<c>SpawnMonitored</c>, <c>Monitor</c>):
/// the generated loop calls it in arrival order with the messages, so a message the process sent before it ended has
/// been handled first. Parameters, each optional, in any order, at most one of each type: <c>Pid</c> (the process that
/// ended), <c>object?</c> (its result), <c>string?</c> (its error; null when it ended normally), <c>ProcessEvent</c>,
/// <c>MessageContext</c>, <c>CancellationToken</c> (cancelled when this process is terminated). Returns <c>void</c>,
/// <c>Task</c> or <c>ValueTask</c>. At most one per class.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class OnExitAttribute : Attribute
{
}

/// <summary>
/// Marks the method that handles a LinkDown event (a linked process failed). Declaring it makes the entry trap links:
/// the generated code sets <c>TrapLinks</c> when the process starts, so a linked failure arrives here instead of
/// terminating the process. Parameters, each optional, in any order, at most one of each type: <c>Pid</c> (the linked
/// process), <c>string?</c> (its error), <c>ProcessEvent</c>, <c>MessageContext</c>, <c>CancellationToken</c>.
/// Returns <c>void</c>, <c>Task</c> or <c>ValueTask</c>. At most one per class.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class OnLinkDownAttribute : Attribute
{
}

/// <summary>
/// Marks the method that handles a Cancel event (someone asked this process to stop). Parameters, each optional, in
/// any order, at most one of each type: <c>string</c> (the reason), <c>DateTimeOffset?</c> (the deadline, null if none),
/// <c>CancellationToken</c> (cancelled at the deadline, or when the process is terminated), <c>Pid</c> (who asked),
/// <c>ProcessEvent</c>, <c>MessageContext</c> (<c>Stop</c> ends the process). Returns <c>void</c>, <c>Task</c> or
/// <c>ValueTask</c>. At most one per class. Without it a Cancel is not handled: the process runs on, and is terminated
/// at the deadline if the cancel gave one.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class OnCancelAttribute : Attribute
{
}

/// <summary>
/// Marks the entry's main method. Its parameters are the spawn arguments (an optional first
/// <c>ProcessContext</c> parameter is not one). Without topic handlers its return value is the process's
/// result; with handlers it runs first, returns <c>void</c>/<c>Task</c>/<c>ValueTask</c>, and the handlers
/// then run until one calls <c>MessageContext.Stop</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class ProcessMainAttribute : Attribute
{
}

/// <summary>Declares a host (a named scheduler) so that generated code and analyzers know it.</summary>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true, Inherited = false)]
public sealed class ProcessHostAttribute : Attribute
{
    /// <summary>Declares the host.</summary>
    /// <param name="reference">The host reference, <c>namespace:name</c>.</param>
    public ProcessHostAttribute(string reference) => Reference = reference;

    /// <summary>The host reference.</summary>
    public string Reference { get; }

    /// <summary>The number of worker threads; defaults to the processor count.</summary>
    public int Workers { get; set; }
}

/// <summary>
/// Put by the generator on the type that stands for a Lua entry (so <c>Pid&lt;T&gt;</c> can name it); analyzers
/// read it together with <see cref="DeclaredTopicAttribute"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class LuaEntryAttribute : Attribute
{
    /// <summary>Declares the Lua entry type.</summary>
    /// <param name="reference">The entry reference.</param>
    public LuaEntryAttribute(string reference) => Reference = reference;

    /// <summary>The entry reference.</summary>
    public string Reference { get; }
}

/// <summary>A topic a Lua entry listens on, with its payload type (<c>object</c> when any payload goes).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class DeclaredTopicAttribute : Attribute
{
    /// <summary>Declares the topic.</summary>
    /// <param name="name">The topic.</param>
    /// <param name="payloadType">The payload type, or null when there is no payload.</param>
    public DeclaredTopicAttribute(string name, Type? payloadType) { Name = name; PayloadType = payloadType; }

    /// <summary>The topic.</summary>
    public string Name { get; }

    /// <summary>The payload type, or null for none.</summary>
    public Type? PayloadType { get; }

    /// <summary>The reply type when the topic is a call (the manifest's <c>reply:</c>), else null.</summary>
    public Type? Reply { get; set; }
}

/// <summary>Marks a string parameter that takes an entry reference; analyzers check literal arguments (TP0002).</summary>
[AttributeUsage(AttributeTargets.Parameter, Inherited = false)]
public sealed class EntryReferenceAttribute : Attribute
{
}

/// <summary>Marks a string parameter that takes a host reference; analyzers check literal arguments (TP0003).</summary>
[AttributeUsage(AttributeTargets.Parameter, Inherited = false)]
public sealed class HostReferenceAttribute : Attribute
{
}

/// <summary>
/// Marks a string parameter that takes a topic sent to the PID given in the same call; analyzers check literal
/// arguments against the target entry's topics when the PID is typed (<c>Pid&lt;T&gt;</c>) (TP0001, TP0004).
/// </summary>
[AttributeUsage(AttributeTargets.Parameter, Inherited = false)]
public sealed class TopicNameAttribute : Attribute
{
}

/// <summary>
/// Declares a C# class as an OTP supervisor: an entry with the reference <c>namespace:name</c> whose processes start
/// and supervise the children that the class's <c>static IEnumerable&lt;ChildSpec&gt; Children()</c> method returns,
/// in order. Children are built with the generated typed factories (<c>Worker.Child("id", host, typedArgs...)</c>,
/// <c>OtherSupervisor.Child("id", host)</c>), so the compiler checks each child's entry and main's argument types.
/// The class must be <c>partial</c> and not nested; the generator adds its <c>EntryReference</c>, <c>Spec()</c>,
/// <c>CreateEntry()</c>, typed <c>StartAsync</c> stubs, a <c>Child</c> factory (to nest it) and its registration.
/// The words are a manifest's <c>process.supervisor</c>'s (docs/supervision.md); the analyzers check them (TP0013).
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class SupervisorAttribute : Attribute
{
    /// <summary>Declares the supervisor.</summary>
    /// <param name="reference">The entry reference, <c>namespace:name</c>.</param>
    public SupervisorAttribute(string reference) => Reference = reference;

    /// <summary>The entry reference, <c>namespace:name</c>.</summary>
    public string Reference { get; }

    /// <summary><c>one_for_one</c> (the default), <c>one_for_all</c> or <c>rest_for_one</c>.</summary>
    public string Strategy { get; set; } = "one_for_one";

    /// <summary>Restarts allowed within <see cref="Period"/> (default 1, as OTP); one more and the supervisor fails.</summary>
    public int Intensity { get; set; } = 1;

    /// <summary>The window of <see cref="Intensity"/>, a duration such as <c>5s</c> (the default).</summary>
    public string Period { get; set; } = "5s";
}
