using Typed.Processes.Lua;
using Typed.Processes.SourceModel;

namespace Typed.Processes.Generators.Tests;

/// <summary>The generator's view of the repository's Lua apps agrees with the runtime's loader (see also <see cref="ManifestCorpusTests"/>).</summary>
public class ManifestReaderTests
{
    public static TheoryData<string> AppFolders()
    {
        var root = RepoRoot();
        return new TheoryData<string>(
            Path.Combine(root, "docs", "examples", "worker-pool"),
            Path.Combine(root, "docs", "examples", "seed"));
    }

    [Theory]
    [MemberData(nameof(AppFolders))]
    public void Reads_the_same_entries_and_hosts_as_the_runtime(string folder)
    {
        var runtimeView = LuaApplication.Load(folder);
        Assert.Empty(runtimeView.Errors);
        var manifests = Directory.GetFiles(folder, "_index.yaml", SearchOption.AllDirectories)
            .Select(p => LuaManifest.Read(LuaManifest.NormalizePath(p), File.ReadAllText(p))).ToList();
        Assert.All(manifests, m => Assert.Empty(m.Errors));
        Assert.Equal(runtimeView.Entries.Select(e => e.Reference).Order(), manifests.SelectMany(m => m.Entries).Select(e => e.Reference).Order());
        Assert.Equal(runtimeView.Hosts.Keys.Order(), manifests.SelectMany(m => m.Hosts).Order());
        Assert.All(manifests.SelectMany(m => m.Entries).Where(e => e.SourceFile is not null), e => Assert.True(File.Exists(e.SourceFile), e.SourceFile));
    }

    [Fact]
    public void Reads_meta_args_as_a_list_or_a_map_with_the_lines_of_their_types()
    {
        var document = ManifestReader.Read("/app/_index.yaml", """
            namespace: app
            entries:
              - name: listed
                kind: process.lua
                source: "return {}"
                meta:
                  args: [long, any]
                  topics: { task: Order }
              - name: named
                kind: process.lua
                source: "return {}"
                meta:
                  args:
                    count: long
                    label: string?
              - name: untyped
                kind: process.lua
                source: "return {}"
              - name: bad
                kind: process.lua
                source: "return {}"
                meta:
                  args: { not-a-name: long }
            """);
        var listed = document.Entries.Single(e => e.Name == "listed");
        Assert.Equal([new ArgumentDeclaration("arg1", "long"), new ArgumentDeclaration("arg2", null)], listed.Args!);
        Assert.Equal([new ManifestTypeName("Order", 8, "meta.topics"), new ManifestTypeName("long", 7, "meta.args")], listed.TypeNames);
        var named = document.Entries.Single(e => e.Name == "named");
        Assert.Equal([new ArgumentDeclaration("count", "long"), new ArgumentDeclaration("label", "string?")], named.Args!);
        Assert.Equal([14, 15], named.TypeNames.Select(t => t.Line));
        Assert.Null(document.Entries.Single(e => e.Name == "untyped").Args);
        Assert.DoesNotContain(document.Entries, e => e.Name == "bad");
        var problem = Assert.Single(document.Problems);
        Assert.Equal((true, 23, "entry 'app:bad': an argument name of 'meta.args' must be an identifier (letters, digits, '_'; got 'not-a-name')"),
            (problem.IsError, problem.Line, problem.Message));
    }

    [Fact]
    public void Reads_isolation_shared_by_default_and_any_value_but_shared_or_state_is_an_error_at_its_line()
    {
        var document = ManifestReader.Read("/app/_index.yaml", """
            namespace: app
            entries:
              - name: plain
                kind: process.lua
                source: "return {}"
              - name: shared
                kind: process.lua
                source: "return {}"
                isolation: shared
              - name: own
                kind: function.lua
                source: "return {}"
                isolation: state
              - name: thread
                kind: process.lua
                source: "return {}"
                isolation: thread
              - name: listed
                kind: process.lua
                source: "return {}"
                isolation: [state]
              - name: empty
                kind: process.lua
                source: "return {}"
                isolation:
            """);
        Assert.Equal([("plain", "shared"), ("shared", "shared"), ("own", "state")], document.Entries.Select(e => (e.Name, e.Isolation)));
        Assert.Equal(
            [
                (true, 17, "entry 'app:thread': 'isolation' must be 'shared' or 'state' (got thread)"),
                (true, 21, "entry 'app:listed': 'isolation' must be 'shared' or 'state' (got (a list))"),
                (true, 25, "entry 'app:empty': 'isolation' must be 'shared' or 'state' (got null)"),
            ],
            document.Problems.Select(p => (p.IsError, p.Line, p.Message)));
    }

    [Fact]
    public void Finds_literal_listen_topics_but_not_commented_or_computed_ones()
    {
        var topics = LuaManifest.ScanTopics("""
            local a = process.listen("alpha")
            local b = process.listen('beta', { message = true })
            -- process.listen("gamma")
            --[[ process.listen("delta") ]]
            local c = process.listen(name)
            local d = process . listen ( "alpha" )
            """);
        Assert.Equal(new[] { "alpha", "beta" }, topics.Select(t => t.Name));
    }

    internal static string RepoRoot()
    {
        var dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "Typed.Processes.sln"))) dir = Path.GetDirectoryName(dir)!;
        return dir;
    }
}
