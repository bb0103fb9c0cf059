using Microsoft.CodeAnalysis.Testing;

namespace Typed.Processes.Analyzers.Tests;

/// <summary>
/// Manifests among the AdditionalFiles are read by the reader the runtime uses: valid YAML that the runtime loads
/// declares its entries (no false TP0002), and a manifest with errors is TP0009 at its line and silences TP0002/TP0003.
/// </summary>
public class ManifestTests
{
    private const string Caller = """
        using Typed.Processes;

        class Caller
        {
            void M(ProcessRuntime runtime)
            {
                runtime.Spawn("app:worker", "app:lua_host");
                runtime.Spawn("app:elsewhere", "app:lua_host");
                runtime.Spawn({|TP0002:"malformed"|}, "app:lua_host");
            }
        }
        """;

    // A host and a worker; each test adds the worker's last lines.
    private const string Declarations = """
        namespace: app
        entries:
          - name: lua_host
            kind: process.host
          - name: worker
            kind: process.lua
            source: file://worker.lua

        """;

    // A host with a wrong worker count (line 5) and a worker; each test adds the last lines.
    private const string BadWorkers = """
        namespace: app
        entries:
          - name: lua_host
            kind: process.host
            host: { workers: many }
          - name: worker
            kind: process.lua

        """;

    private const string Worker = "return { main = function() process.listen(\"task\") end }\n";

    [Fact]
    public Task A_list_over_two_lines_is_read_and_its_entries_are_declared() => Verifier.AnalyzeAsync<ReferenceAnalyzer>("""
        using Typed.Processes;

        class Caller
        {
            void M(ProcessRuntime runtime)
            {
                runtime.Spawn("app:worker", "app:lua_host");
                runtime.Spawn({|TP0002:"app:elsewhere"|}, "app:lua_host");
            }
        }
        """,
        ("/app/_index.yaml", Declarations + "    imports: [process,\n              time]\n"),
        ("/app/worker.lua", Worker));

    [Fact]
    public Task A_supervisor_is_an_entry_and_its_children_s_unknown_entries_and_hosts_are_TP0002_TP0003_at_their_line() =>
        Verifier.AnalyzeAsync<ReferenceAnalyzer>("""
            using Typed.Processes;

            class Caller
            {
                void M(ProcessRuntime runtime) => runtime.Spawn("app:root", "app:lua_host");
            }
            """,
            [
                new DiagnosticResult(Diagnostics.UnknownEntry).WithSpan("/app/_index.yaml", 14, 7, 14, 28)
                    .WithArguments("app:wroker", "is not a declared entry; did you mean 'app:worker'?"),
                new DiagnosticResult(Diagnostics.UnknownHost).WithSpan("/app/_index.yaml", 15, 9, 15, 25)
                    .WithArguments("app:nohost", "is not a declared host"),
            ],
            ("/app/_index.yaml", Declarations + """
                  - name: root
                    kind: process.supervisor
                    host: app:lua_host
                    children:
                      - process: app:worker
                      - process: app:sub
                      - process: app:wroker
                        host: app:nohost
                  - name: sub
                    kind: process.supervisor
                    host: app:lua_host

                """),
            ("/app/worker.lua", Worker));

    [Fact]
    public Task A_manifest_with_errors_makes_the_reference_checks_incomplete() => Verifier.AnalyzeAsync<ReferenceAnalyzer>(Caller,
        ("/app/_index.yaml", Declarations + "    imports: [process,\n"),
        ("/app/worker.lua", Worker));

    [Fact]
    public Task An_error_in_one_entry_makes_the_reference_checks_incomplete() => Verifier.AnalyzeAsync<ReferenceAnalyzer>(Caller,
        ("/app/_index.yaml", BadWorkers + "    source: file://worker.lua\n"),
        ("/app/worker.lua", Worker));

    [Fact]
    public Task Each_error_is_reported_at_its_manifest_line() => Verifier.AnalyzeAsync<ManifestAnalyzer>(
        "class C { }",
        [
            new DiagnosticResult(Diagnostics.UnreadableManifest).WithSpan("/app/_index.yaml", 5, 5, 5, 28)
                .WithArguments("host 'app:lua_host': 'workers' must be an integer from 1 to 256 (got many)"),
            new DiagnosticResult(Diagnostics.UnreadableManifest).WithSpan("/app/_index.yaml", 6, 3, 6, 17)
                .WithArguments("entry 'app:worker' has no 'source'"),
            new DiagnosticResult(Diagnostics.UnreadableManifest).WithSpan("/app/_index.yaml", 8, 3, 8, 19)
                .WithArguments("entry 'app:lua_host' is declared twice (first at /app/_index.yaml:3)"),
        ],
        ("/app/_index.yaml", BadWorkers + "  - name: lua_host\n    kind: process.host\n"));

    [Fact]
    public Task An_isolation_other_than_shared_or_state_is_reported_at_its_line() => Verifier.AnalyzeAsync<ManifestAnalyzer>(
        "class C { }",
        [
            new DiagnosticResult(Diagnostics.UnreadableManifest).WithSpan("/app/_index.yaml", 8, 5, 8, 22)
                .WithArguments("entry 'app:worker': 'isolation' must be 'shared' or 'state' (got thread)"),
        ],
        ("/app/_index.yaml", Declarations + "    isolation: thread\n  - name: other\n    kind: process.lua\n    source: file://worker.lua\n    isolation: state\n"),
        ("/app/worker.lua", Worker));

    [Fact]
    public Task A_YAML_syntax_error_is_reported_at_its_line_and_an_empty_manifest_at_the_start() => Verifier.AnalyzeAsync<ManifestAnalyzer>(
        "class C { }",
        [
            new DiagnosticResult(Diagnostics.UnreadableManifest).WithSpan("/app/_index.yaml", 2, 1, 2, 17)
                .WithArguments("Duplicate key namespace"),
            new DiagnosticResult(Diagnostics.UnreadableManifest).WithSpan("/other/_index.yaml", 1, 1, 1, 1)
                .WithArguments("empty manifest"),
        ],
        ("/app/_index.yaml", "namespace: app\nnamespace: other\nentries: []\n"),
        ("/other/_index.yaml", ""));

    [Fact]
    public Task A_valid_manifest_and_other_files_are_not_reported() => Verifier.AnalyzeAsync<ManifestAnalyzer>(
        "class C { }",
        ("/app/_index.yaml", "namespace: app\nentries:\n  - name: worker\n    kind: process.lua\n    source: file://worker.lua\n...\n"),
        ("/app/worker.lua", "this is not { yaml: ["),
        ("/app/notes.yaml", "not: [a manifest"));

    // meta.topics (line 7-9) and meta.args (line 10) name C# types; line 9 and the second type of line 10 are typos.
    private const string TypedManifest = """
        namespace: app
        entries:
          - name: worker
            kind: process.lua
            source: file://worker.lua
            meta:
              topics:
                order: Order
                task: Strng
              args: [long, lnog, PayloadTable, List<string>, any]

        """;

    [Fact]
    public Task An_unknown_type_in_meta_topics_or_meta_args_is_TP0012_at_its_line() => Verifier.AnalyzeAsync<ManifestAnalyzer>(
        "public sealed record Order(string Id);",
        [
            new DiagnosticResult(Diagnostics.UnknownManifestType).WithSpan("/app/_index.yaml", 9, 9, 9, 20)
                .WithArguments("Strng", "meta.topics", "app:worker", "; did you mean 'string'?"),
            new DiagnosticResult(Diagnostics.UnknownManifestType).WithSpan("/app/_index.yaml", 10, 7, 10, 58)
                .WithArguments("lnog", "meta.args", "app:worker", "; did you mean 'long'?"),
        ],
        ("/app/_index.yaml", TypedManifest),
        ("/app/worker.lua", Worker));

    [Fact]
    public Task Known_types_in_a_manifest_are_not_reported() => Verifier.AnalyzeAsync<ManifestAnalyzer>(
        "public sealed record Order(string Id);",
        ("/app/_index.yaml", TypedManifest.Replace("Strng", "string").Replace("lnog", "long?")),
        ("/app/worker.lua", Worker));

    [Fact]
    public Task A_missing_file_source_is_TP0009_at_its_source_line() => Verifier.AnalyzeAsync<ManifestAnalyzer>(
        "class C { }",
        [
            new DiagnosticResult(Diagnostics.UnreadableManifest).WithSpan("/app/_index.yaml", 7, 5, 7, 29)
                .WithArguments("entry 'app:worker': source file '/app/workr.lua' not found"),
        ],
        ("/app/_index.yaml", Declarations.Replace("worker.lua", "workr.lua")),
        ("/app/worker.lua", Worker));

    [Fact]
    public Task Without_Lua_sources_among_the_files_a_file_source_is_not_checked() => Verifier.AnalyzeAsync<ManifestAnalyzer>(
        "class C { }",
        ("/app/_index.yaml", Declarations));

    [Fact]
    public Task Services_that_require_each_other_are_TP0009_at_the_requires_line() => Verifier.AnalyzeAsync<ManifestAnalyzer>(
        "class C { }",
        [
            new DiagnosticResult(Diagnostics.UnreadableManifest).WithSpan("/app/_index.yaml", 14, 7, 14, 24)
                .WithArguments("service 'app:b': 'lifecycle.requires' forms a cycle: app:a -> app:b -> app:a"),
        ],
        ("/app/_index.yaml", """
            namespace: app
            entries:
              - name: a
                kind: process.service
                process: app:p
                host: app:h
                lifecycle:
                  requires: [app:b]
              - name: b
                kind: process.service
                process: app:p
                host: app:h
                lifecycle:
                  requires: [app:a]
            """));
}
