using Typed.Processes.Lua;
using Typed.Processes.SourceModel;

namespace Typed.Processes.Generators.Tests;

/// <summary>
/// Every manifest of <c>ManifestCorpus/</c> (one folder a case: <c>valid-*</c> load without errors, <c>invalid-*</c>
/// have at least one) goes through the runtime's loader (<see cref="LuaApplication.Load"/>) and the generator's reader
/// (<see cref="LuaManifest.Read"/>, which the analyzers use too); both must find the same entries, hosts and topics, or
/// the same errors, text and line. Only what needs the file system (sources on disk, Lua syntax) is the runtime's alone,
/// so the corpus's sources exist and compile.
/// </summary>
public class ManifestCorpusTests
{
    private static string Corpus => Path.Combine(ManifestReaderTests.RepoRoot(), "tests", "Typed.Processes.Generators.Tests", "ManifestCorpus");

    public static TheoryData<string> Cases() => new(Directory.GetDirectories(Corpus).Select(Path.GetFileName).Order(StringComparer.Ordinal)!);

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_runtime_and_the_generator_read_the_same(string name)
    {
        var folder = Path.Combine(Corpus, name);
        var file = Path.Combine(folder, "_index.yaml");
        var runtime = LuaApplication.Load(folder);
        var generator = LuaManifest.Read(LuaManifest.NormalizePath(file), File.ReadAllText(file));

        Assert.Equal(runtime.Errors, generator.Errors.Select(e => e.Format(file)));
        Assert.Equal(runtime.Entries.Select(e => e.Reference), generator.Entries.Select(e => e.Reference));
        Assert.Equal(runtime.Hosts.Keys.Order(StringComparer.Ordinal), generator.Hosts.Order(StringComparer.Ordinal));
        foreach (var entry in runtime.Entries)
        {
            var declared = generator.Entries.Single(e => e.Reference == entry.Reference);
            var metaTopics = entry.Meta.TryGetValue("topics", out var t) && t is Dictionary<string, object?> map
                ? map.Select(p => (p.Key, PayloadOf(p.Value)))
                : [];
            Assert.Equal(metaTopics, declared.MetaTopics.Select(d => (d.Name, d.PayloadType)));
        }
        if (name.StartsWith("valid-", StringComparison.Ordinal)) Assert.Empty(runtime.Errors);
        else Assert.NotEmpty(runtime.Errors);
    }

    /// <summary>The payload type of a <c>meta.topics</c> value as the runtime's <c>Meta</c> holds it: <c>Type</c>, or
    /// <c>{ payload: Type, reply: Type }</c> for a call.</summary>
    private static string? PayloadOf(object? value)
    {
        if (value is Dictionary<string, object?> call) value = call.GetValueOrDefault("payload");
        return value is string s && s.Trim() is { Length: > 0 } type && type != "any" ? type : null;
    }

    [Fact]
    public void Topics_that_reply_keep_their_payload_and_reply_types()
    {
        var topics = Assert.Single(Read("valid-call-topics").Entries).MetaTopics;
        Assert.Equal(
            [("task", "long", null), ("price", "PayloadTable", "double"), ("name", null, "string?"), ("any", null, "object?"),
             ("table", null, "global::Typed.Processes.PayloadTable"), ("flag", "bool", "System.Boolean")],
            topics.Select(d => (d.Name, d.PayloadType, d.ReplyType)));
    }

    [Fact]
    public void A_list_over_two_lines_anchors_document_end_tabs_and_nulls_are_read_as_YAML_reads_them()
    {
        var flow = LuaApplication.Load(Path.Combine(Corpus, "valid-multiline-flow-list"));
        Assert.Equal("app:worker", Assert.Single(flow.Entries).Reference);

        var aliases = LuaApplication.Load(Path.Combine(Corpus, "valid-anchors-aliases"));
        Assert.Equal((2, 100), (aliases.Hosts["app:spare"].Workers, aliases.Hosts["app:spare"].MailboxLimit));
        Assert.Equal(["app:twin", "app:worker"], aliases.Entries.Select(e => e.Reference).Order());

        Assert.Single(LuaApplication.Load(Path.Combine(Corpus, "valid-document-end")).Entries);
        Assert.Single(LuaApplication.Load(Path.Combine(Corpus, "valid-tab-after-key")).Entries);

        var nulls = Read("valid-nulls");
        var topics = Assert.Single(nulls.Entries).MetaTopics;
        Assert.Equal([("a", null), ("b", null), ("c", null), ("d", null), ("e", "null")], topics.Select(d => (d.Name, d.PayloadType)));
        var worker = Assert.Single(LuaApplication.Load(Path.Combine(Corpus, "valid-nulls")).Entries);
        Assert.Equal("main", worker.Method);
    }

    [Theory]
    [InlineData("invalid-empty", 0, "empty manifest")]
    [InlineData("invalid-only-comments", 0, "empty manifest")]
    [InlineData("invalid-yaml-syntax", 6, "")]
    [InlineData("invalid-duplicate-key", 2, "Duplicate key")]
    [InlineData("invalid-duplicate-entry", 8, "entry 'app:worker' is declared twice (first at ")]
    [InlineData("invalid-bad-reference", 5, "malformed entry reference 'app:bad name': expected 'namespace:name'")]
    [InlineData("invalid-missing-source", 5, "entry 'app:worker' has no 'source'")]
    [InlineData("invalid-kind-not-string", 4, "'kind' must be a string")]
    [InlineData("invalid-no-namespace", 1, "missing 'namespace'")]
    [InlineData("invalid-entries-not-list", 3, "'entries' must be a list")]
    [InlineData("invalid-meta-topics", 7, "entry 'app:worker': 'meta.topics' must be a map of topic to payload type")]
    [InlineData("invalid-reply-type", 9, "entry 'app:worker': topic 'price' replies with 'int', which a Lua reply never is; a Lua value arrives as long (integer), double (float)")]
    [InlineData("invalid-topic-field", 10, "entry 'app:worker': topic 'price' of 'meta.topics' has an unknown field 'replies'")]
    [InlineData("invalid-service-cycle", 21, "service 'app:c': 'lifecycle.requires' forms a cycle: app:a -> app:b -> app:c -> app:a")]
    [InlineData("invalid-service-requires-unknown", 8, "service 'app:worker' requires 'app:missing', which is not declared")]
    [InlineData("invalid-service-duration", 9, "service 'app:worker': 'lifecycle.restart.initial_delay' must be a duration such as 500ms, 10s, 1m30s (got 10 seconds)")]
    [InlineData("invalid-service-no-process", 3, "service 'app:worker' has no 'process'")]
    [InlineData("invalid-isolation", 6, "entry 'app:worker': 'isolation' must be 'shared' or 'state' (got coroutine)")]
    public void A_broken_manifest_is_an_error_at_its_line(string name, int line, string message)
    {
        var error = Assert.Single(Read(name).Errors);
        Assert.Equal(line, error.Line);
        Assert.StartsWith(message, error.Message);
    }

    [Fact]
    public void Services_are_read_with_Wippys_fields_and_listed_in_start_order()
    {
        var app = LuaApplication.Load(Path.Combine(Corpus, "valid-services"));
        Assert.Empty(app.Errors);
        Assert.Empty(app.Warnings);
        Assert.Equal(["app:db", "app:worker", "app:manual"], app.Services.Select(s => s.Reference));
        var worker = app.Services[1];
        Assert.Equal(("app:worker_process", "app:processes", true), (worker.Process, worker.Host, worker.AutoStart));
        Assert.Equal(["arg1", 2L, 2.5, true, null, "3"], worker.Input);
        Assert.Equal(["app:db"], worker.Requires);
        Assert.Equal((TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(90)), (worker.StartTimeout, worker.StopTimeout));
        Assert.Equal(
            new RestartBackoff { InitialDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(90), Factor = 2.0, Jitter = 0.1, StableAfter = TimeSpan.FromMilliseconds(500) },
            worker.Restart);
        Assert.Equal(0, worker.MaxAttempts);
        var manual = app.Services[2];
        Assert.False(manual.AutoStart);
        Assert.Equal(["single"], manual.Input);
        Assert.Equal(["app:db"], manual.Requires);
        Assert.Equal(new RestartBackoff(), app.Services[0].Restart);
    }

    [Fact]
    public void A_service_that_requires_a_service_of_a_later_manifest_starts_after_it_and_a_cycle_across_manifests_is_an_error()
    {
        var dir = Directory.CreateTempSubdirectory("tp-services-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(dir, "a"));
            Directory.CreateDirectory(Path.Combine(dir, "b"));
            File.WriteAllText(Path.Combine(dir, "a", "_index.yaml"),
                "namespace: a\nentries:\n  - name: web\n    kind: process.service\n    process: x:p\n    host: x:h\n    lifecycle:\n      requires: [b:db]\n");
            File.WriteAllText(Path.Combine(dir, "b", "_index.yaml"),
                "namespace: b\nentries:\n  - name: db\n    kind: process.service\n    process: x:p\n    host: x:h\n");
            var app = LuaApplication.Load(dir);
            Assert.Empty(app.Errors);
            Assert.Equal(["b:db", "a:web"], app.Services.Select(s => s.Reference));

            File.WriteAllText(Path.Combine(dir, "b", "_index.yaml"),
                "namespace: b\nentries:\n  - name: db\n    kind: process.service\n    process: x:p\n    host: x:h\n    lifecycle:\n      requires: [a:web, c:gone]\n");
            app = LuaApplication.Load(dir);
            Assert.Equal(
                [
                    $"{Path.Combine(dir, "b", "_index.yaml")}:3: service 'b:db' requires 'c:gone', which is not declared",
                    $"{Path.Combine(dir, "b", "_index.yaml")}:3: service 'b:db': 'lifecycle.requires' forms a cycle: a:web -> b:db -> a:web",
                ],
                app.Errors);
            Assert.Empty(app.Services);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void The_isolation_field_is_known_and_each_entry_gets_its_own()
    {
        var app = LuaApplication.Load(Path.Combine(Corpus, "valid-isolation"));
        Assert.Empty(app.Errors);
        Assert.Empty(app.Warnings);
        Assert.Equal(
            [("app:shared", LuaIsolation.Shared), ("app:own_state", LuaIsolation.State), ("app:default", LuaIsolation.Shared)],
            app.Entries.Select(e => (e.Reference, e.Options.Isolation)));
    }

    [Fact]
    public void A_workers_value_that_is_not_an_integer_from_1_to_256_is_an_error_at_its_line()
    {
        var file = Path.Combine(Corpus, "invalid-workers", "_index.yaml");
        var app = LuaApplication.Load(Path.GetDirectoryName(file)!);
        Assert.Equal(
            [
                $"{file}:6: host 'app:main': 'workers' must be an integer from 1 to 256 (got lots)",
                $"{file}:9: host 'app:other': 'workers' must be an integer from 1 to 256 (got 0)",
            ],
            app.Errors);
        Assert.Empty(app.Hosts);
    }

    private static LuaManifestDeclaration Read(string name)
    {
        var file = Path.Combine(Corpus, name, "_index.yaml");
        return LuaManifest.Read(LuaManifest.NormalizePath(file), File.ReadAllText(file));
    }
}
