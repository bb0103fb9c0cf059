using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using Typed.Processes.SourceModel;

namespace Typed.Processes.Analyzers;

/// <summary>
/// TP0009: an <c>_index.yaml</c> manifest among the AdditionalFiles has errors. Each error is reported at its line of
/// the manifest, with the text the runtime's loader gives for it (both use the shared <see cref="ManifestReader"/>).
/// A <c>file://</c> source that is not among the AdditionalFiles (when the Lua sources are given) is TP0009 at the
/// line of its <c>source</c>. TP0012: a C# type named in <c>meta.topics</c> or <c>meta.args</c> that does not exist,
/// at its line (resolved by the shared <see cref="ManifestTypes"/>, as the generator resolves it).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ManifestAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(Diagnostics.UnreadableManifest, Diagnostics.UnknownManifestType);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            if (KnownTypes.Create(start.Compilation) is null) return;
            // The Lua sources given to the build: a file:// source is checked only when some are (the package's
            // TypedProcessesLuaApp gives them all), so a project that lists only its manifests gets no false report.
            var luaFiles = new HashSet<string>(
                start.Options.AdditionalFiles.Where(f => f.Path.EndsWith(".lua", StringComparison.OrdinalIgnoreCase)).Select(f => LuaManifest.NormalizePath(f.Path)),
                StringComparer.OrdinalIgnoreCase);
            var rootNamespace = ManifestTypes.RootNamespace(start.Options.AnalyzerConfigOptionsProvider.GlobalOptions);
            start.RegisterAdditionalFileAction(c => Analyze(c, luaFiles, rootNamespace));
        });
    }

    private static void Analyze(AdditionalFileAnalysisContext context, HashSet<string> luaFiles, string rootNamespace)
    {
        var file = context.AdditionalFile;
        if (!LuaManifest.IsManifest(file.Path) || file.GetText(context.CancellationToken) is not { } text) return;
        var document = ManifestReader.Read(file.Path, text.ToString());
        foreach (var error in document.Problems.Where(p => p.IsError))
            context.ReportDiagnostic(Diagnostic.Create(Diagnostics.UnreadableManifest, LineLocation(file.Path, text, error.Line), error.Message));

        var directory = System.IO.Path.GetDirectoryName(file.Path) ?? "";
        foreach (var entry in document.Entries)
        {
            if (luaFiles.Count == 0 || entry.Source is not { } source || !source.StartsWith("file://", StringComparison.Ordinal)) continue;
            var path = LuaManifest.NormalizePath(System.IO.Path.Combine(directory, source.Substring("file://".Length)));
            if (!luaFiles.Contains(path))
                context.ReportDiagnostic(Diagnostic.Create(Diagnostics.UnreadableManifest, LineLocation(file.Path, text, entry.SourceLine),
                    $"entry '{entry.Reference}': source file '{path}' not found"));
        }

        var named = document.Entries.SelectMany(e => e.TypeNames.Select(t => (Entry: e, Name: t))).ToList();
        if (named.Count == 0) return;
        var unknown = ManifestTypes.Unknown(context.Compilation, rootNamespace, named.Select(n => n.Name.Type), context.CancellationToken);
        foreach (var (entry, name) in named)
        {
            if (!unknown.Contains(name.Type)) continue;
            var hint = Suggestion(name.Type);
            context.ReportDiagnostic(Diagnostic.Create(Diagnostics.UnknownManifestType, LineLocation(file.Path, text, name.Line), name.Type, name.Field, entry.Reference, hint));
        }
    }

    private static readonly string[] CommonTypes =
        ["long", "int", "double", "bool", "string", "object", "PayloadTable", "ByteString", "Pid", "byte[]", "DateTimeOffset", "Guid", "decimal"];

    /// <summary>"; did you mean 'X'?" for a near miss of a common payload type, else empty.</summary>
    private static string Suggestion(string type)
    {
        var bare = type.TrimEnd('?');
        var nearest = KnownReferences.Nearest(bare, CommonTypes);
        return nearest is null || nearest == bare ? "" : $"; did you mean '{nearest}{type.Substring(bare.Length)}'?";
    }

    /// <summary>The text of the 1-based <paramref name="line"/> without its indentation; the file's start for line 0.</summary>
    internal static Location LineLocation(string path, SourceText text, int line)
    {
        if (line < 1 || line > text.Lines.Count) return Location.Create(path, new TextSpan(0, 0), new LinePositionSpan(LinePosition.Zero, LinePosition.Zero));
        var span = text.Lines[line - 1].Span;
        int start = span.Start;
        while (start < span.End && char.IsWhiteSpace(text[start])) start++;
        var result = TextSpan.FromBounds(start, span.End);
        return Location.Create(path, result, text.Lines.GetLinePositionSpan(result));
    }
}
