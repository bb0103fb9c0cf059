namespace Typed.Processes.SourceModel;

// The analyzers' `namespace:name` rule for the shared manifest reader.
internal static partial class ManifestReader
{
    private static partial bool IsValidReference(string reference) => Typed.Processes.Analyzers.References.IsValid(reference);
}
