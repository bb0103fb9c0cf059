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
