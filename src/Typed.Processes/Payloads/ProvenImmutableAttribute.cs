namespace Typed.Processes;

/// <summary>
/// Written by the source generator, once per type it proved deeply immutable and declared to the runtime at module
/// load (<see cref="Payloads.DeclareImmutable"/>). The analyzers of a project that references this assembly read it,
/// so a payload type of a referenced contracts library is known to be immutable at compile time too.
/// </summary>
[System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)] // generated code writes it
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true)]
public sealed class ProvenImmutableAttribute : Attribute
{
    /// <summary>Records that <paramref name="type"/> (a generic definition: its constructions, given their type arguments are immutable) is deeply immutable.</summary>
    public ProvenImmutableAttribute(Type type) => Type = type;

    /// <summary>The type proven immutable.</summary>
    public Type Type { get; }
}
