namespace Typed.Processes.SourceModel;

// The runtime's `namespace:name` rule for the manifest reader shared with the generator and the analyzers.
internal static partial class ManifestReader
{
    private static partial bool IsValidReference(string reference) => Typed.Processes.EntryReference.IsValid(reference);
}
