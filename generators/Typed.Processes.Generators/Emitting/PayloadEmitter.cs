using Typed.Processes.SourceModel;

namespace Typed.Processes.Generators.Emitting;

/// <summary>
/// Emits the declaration of every type of the compilation proven deeply immutable: a module initializer that declares
/// them to the runtime before any code of the assembly runs (so they may be sent, replied, listened for and returned
/// without an attribute), and one <c>[assembly: ProvenImmutable(typeof(T))]</c> each, which the analyzers of
/// referencing projects read.
/// </summary>
internal static class PayloadEmitter
{
    public const string HintName = "PayloadDeclarations.g.cs";

    /// <param name="types">The types as <c>typeof</c> takes them (fully qualified; generic ones unbound), sorted.</param>
    public static string Emit(EquatableArray<string> types)
    {
        var w = new IndentedWriter();
        EntryEmitter.Header(w);
        foreach (var type in types) w.Line($"[assembly: {EntryEmitter.Runtime}.ProvenImmutable(typeof({type}))]");
        w.Line();
        w.Open("namespace Typed.Processes.Generated");
        w.Line("/// <summary>Declares the types of this assembly proven deeply immutable at compile time, so they may be sent.</summary>");
        w.Line(EntryEmitter.GeneratedCode);
        w.Open("internal static class PayloadDeclarations");
        w.Line("/// <summary>Runs when the assembly is loaded, before any of its code.</summary>");
        w.Line("#pragma warning disable CA2255 // a module initializer in a library is the point: its types are checked before any registration");
        w.Line("[global::System.Runtime.CompilerServices.ModuleInitializer]");
        w.Line("#pragma warning restore CA2255");
        w.Open("internal static void Declare()");
        foreach (var type in types) w.Line($"{EntryEmitter.Runtime}.Payloads.DeclareImmutable(typeof({type}));");
        w.Close();
        w.Close();
        w.Close();
        return w.ToString();
    }
}
