namespace Typed.Processes;

/// <summary>
/// Marks a type as immutable, so that its values may travel between processes without being copied.
/// The runtime trusts the mark; the analyzers check it.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, Inherited = false)]
public sealed class ImmutableAttribute : Attribute;
