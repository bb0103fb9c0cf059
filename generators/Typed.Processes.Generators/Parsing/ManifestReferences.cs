namespace Typed.Processes.SourceModel;

// The generator's `namespace:name` rule for the shared manifest reader.
internal static partial class ManifestReader
{
    private static partial bool IsValidReference(string reference) => Typed.Processes.Generators.Parsing.EntryParser.IsReference(reference);
}
