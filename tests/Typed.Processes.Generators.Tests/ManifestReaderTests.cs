using Typed.Processes.Lua;
using Typed.Processes.SourceModel;

namespace Typed.Processes.Generators.Tests;

/// <summary>The generator's dependency-free manifest reader agrees with the runtime's (YamlDotNet) loader.</summary>
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
        Assert.All(manifests, m => Assert.Null(m.Error));
        Assert.Equal(runtimeView.Entries.Select(e => e.Reference).Order(), manifests.SelectMany(m => m.Entries).Select(e => e.Reference).Order());
        Assert.Equal(runtimeView.Hosts.Keys.Order(), manifests.SelectMany(m => m.Hosts).Order());
        Assert.All(manifests.SelectMany(m => m.Entries).Where(e => e.SourceFile is not null), e => Assert.True(File.Exists(e.SourceFile), e.SourceFile));
    }

    [Fact]
    public void Reads_block_scalars_flow_values_quotes_and_comments()
    {
        var doc = (Dictionary<string, object?>)MiniYaml.Parse("""
            # comment
            version: "1.0"   # trailing comment
            name: 'it''s'
            list: [a, "b, c", 3]
            map: { x: 1, y: [2, 3] }
            source: |
              local s = "# not a comment"

              return s
            folded: >-
              one
              two
            nested:
              - name: first
                value: 1
              - second
              -
                deep: true
            empty:
            """)!;
        Assert.Equal("1.0", doc["version"]);
        Assert.Equal("it's", doc["name"]);
        Assert.Equal(new object?[] { "a", "b, c", "3" }, (List<object?>)doc["list"]!);
        Assert.Equal(new object?[] { "2", "3" }, (List<object?>)((Dictionary<string, object?>)doc["map"]!)["y"]!);
        Assert.Equal("local s = \"# not a comment\"\n\nreturn s\n", doc["source"]);
        Assert.Equal("one two", doc["folded"]);
        var nested = (List<object?>)doc["nested"]!;
        Assert.Equal("1", ((Dictionary<string, object?>)nested[0]!)["value"]);
        Assert.Equal("second", nested[1]);
        Assert.Equal("true", ((Dictionary<string, object?>)nested[2]!)["deep"]);
        Assert.Null(doc["empty"]);
    }

    [Theory]
    [InlineData("a: 1\na: 2", 2, "duplicate key")]
    [InlineData("a: 1\n   b: 2", 2, "indentation")]
    [InlineData("a: [1, 2", 1, "flow")]
    [InlineData("a: \"open", 1, "unterminated")]
    [InlineData("just text", 1, "key: value")]
    public void Reports_malformed_input_with_its_line(string yaml, int line, string message)
    {
        var ex = Assert.Throws<YamlException>(() => MiniYaml.Parse(yaml));
        Assert.Equal(line, ex.Line);
        Assert.Contains(message, ex.Message);
        var manifest = LuaManifest.Read("/x/_index.yaml", yaml);
        Assert.Equal(line, manifest.ErrorLine);
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

    private static string RepoRoot()
    {
        var dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "Typed.Processes.sln"))) dir = Path.GetDirectoryName(dir)!;
        return dir;
    }
}
