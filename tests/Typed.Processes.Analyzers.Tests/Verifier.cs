using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;
using Typed.Processes;

namespace Typed.Processes.Analyzers.Tests;

/// <summary>
/// Runs analyzer and code-fix tests offline: no reference-assembly package is downloaded; the test compilations reference
/// the assemblies of the running .NET (TRUSTED_PLATFORM_ASSEMBLIES), which include Typed.Processes and its attributes.
/// </summary>
internal static class Verifier
{
    private static readonly ReferenceAssemblies NoPackages = new("net10.0");

    private static readonly ImmutableArray<MetadataReference> References = LoadReferences();

    private static ImmutableArray<MetadataReference> LoadReferences()
    {
        var paths = ((string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(p => Path.GetFileName(p) is var name &&
                        (name.StartsWith("System.", StringComparison.Ordinal) || name is "System.dll" or "mscorlib.dll" or "netstandard.dll" ||
                         name.StartsWith("Microsoft.Extensions.", StringComparison.Ordinal)))
            .ToHashSet(StringComparer.Ordinal);
        paths.Add(typeof(Pid).Assembly.Location);
        paths.Add(typeof(ProcessEntryAttribute).Assembly.Location);
        paths.Add(typeof(Typed.Processes.Lua.LuaEntry).Assembly.Location);
        return [.. paths.Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))];
    }

    /// <summary>Configures a test: offline references and the given additional files (path, text).</summary>
    private static void Configure(SolutionState state, (string Path, string Text)[] additionalFiles, bool referenceTypedProcesses = true)
    {
        state.AdditionalReferences.AddRange(referenceTypedProcesses ? References : References.Where(r => !IsTypedProcesses(r)));
        foreach (var file in additionalFiles) state.AdditionalFiles.Add((file.Path, file.Text));
    }

    private static bool IsTypedProcesses(MetadataReference reference) =>
        reference is PortableExecutableReference { FilePath: { } path } && Path.GetFileName(path).StartsWith("Typed.Processes", StringComparison.Ordinal);

    /// <summary>
    /// Expects the marked diagnostics in <paramref name="source"/>, compiled with a reference to a library project built
    /// from <paramref name="librarySource"/>.
    /// </summary>
    public static Task AnalyzeWithLibraryAsync<TAnalyzer>(string source, string librarySource)
        where TAnalyzer : DiagnosticAnalyzer, new()
    {
        var test = new CSharpAnalyzerTest<TAnalyzer, DefaultVerifier> { TestCode = source, ReferenceAssemblies = NoPackages };
        Configure(test.TestState, []);
        var library = test.TestState.AdditionalProjects["Library"];
        library.Sources.Add(("/Library/Library.cs", librarySource));
        library.AdditionalReferences.AddRange(References);
        test.TestState.AdditionalProjectReferences.Add("Library");
        return test.RunAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>Expects no diagnostic from a compilation that does not reference the Typed.Processes assemblies.</summary>
    public static Task AnalyzeWithoutTypedProcessesAsync<TAnalyzer>(string source)
        where TAnalyzer : DiagnosticAnalyzer, new()
    {
        var test = new CSharpAnalyzerTest<TAnalyzer, DefaultVerifier> { TestCode = source, ReferenceAssemblies = NoPackages };
        Configure(test.TestState, [], referenceTypedProcesses: false);
        return test.RunAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>Expects exactly the diagnostics marked in <paramref name="source"/> (<c>{|TP0001:...|}</c> markup).</summary>
    public static Task AnalyzeAsync<TAnalyzer>(string source, params (string Path, string Text)[] additionalFiles)
        where TAnalyzer : DiagnosticAnalyzer, new() => AnalyzeAsync<TAnalyzer>(source, [], additionalFiles);

    /// <summary>Expects the marked diagnostics and <paramref name="expected"/> (for locations marked <c>{|#0:...|}</c>).</summary>
    public static Task AnalyzeAsync<TAnalyzer>(string source, DiagnosticResult[] expected, params (string Path, string Text)[] additionalFiles)
        where TAnalyzer : DiagnosticAnalyzer, new()
    {
        var test = new CSharpAnalyzerTest<TAnalyzer, DefaultVerifier> { TestCode = source, ReferenceAssemblies = NoPackages };
        test.ExpectedDiagnostics.AddRange(expected);
        Configure(test.TestState, additionalFiles);
        return test.RunAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>Expects the marked diagnostics, and that code action <paramref name="actionIndex"/> turns the source into <paramref name="fixedSource"/>.</summary>
    public static Task FixAsync<TAnalyzer, TCodeFix>(string source, string fixedSource, int actionIndex = 0, string? equivalenceKey = null)
        where TAnalyzer : DiagnosticAnalyzer, new()
        where TCodeFix : CodeFixProvider, new()
    {
        var test = new CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier>
        {
            TestCode = source,
            FixedCode = fixedSource,
            ReferenceAssemblies = NoPackages,
            CodeActionIndex = actionIndex,
            CodeActionEquivalenceKey = equivalenceKey,
        };
        Configure(test.TestState, []);
        Configure(test.FixedState, []);
        return test.RunAsync(TestContext.Current.CancellationToken);
    }
}
