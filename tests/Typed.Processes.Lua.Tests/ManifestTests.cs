using Xunit;
using System.Text;
using Typed.Processes.Lua;

namespace Typed.Processes.Lua.Tests;

/// <summary>A folder under the temp directory, deleted when disposed.</summary>
internal sealed class TempDir : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "tproc-" + Guid.NewGuid().ToString("N"));

    public TempDir() => Directory.CreateDirectory(Path);

    public string Write(string relative, string text)
    {
        var full = System.IO.Path.Combine(Path, relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text, new UTF8Encoding(false));
        return full;
    }

    public string Full(string relative) => System.IO.Path.Combine(Path, relative);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>Manifest checks of <see cref="LuaApplication.Load"/>: sources stay inside their folder, duplicates and bad host settings are errors with file:line.</summary>
public class ManifestTests
{
    internal const string HostYaml = "version: \"1.0\"\nnamespace: app\nentries:\n  - name: processes\n    kind: process.host\n    host:\n      workers: 2\n";
    private const string Main = "return { main = function() return 1 end }\n";

    private static string Process(string ns, string name, string source, string kind = "process.lua") =>
        $"namespace: {ns}\nentries:\n  - name: {name}\n    kind: {kind}\n    source: {source}\n";

    [Theory]
    [InlineData("file://../outside.lua")]              // the app folder, but above the manifest's folder
    [InlineData("file://../../outside.lua")]           // above the app folder
    [InlineData("file://../../../../../../../../etc/passwd")]
    [InlineData("file://sub/../../outside.lua")]
    [InlineData("file://ABSOLUTE")]                     // file:///abs/path to a file outside
    public void A_source_outside_the_manifests_folder_is_refused(string source)
    {
        using var tmp = new TempDir();
        tmp.Write("outside.lua", Main);
        tmp.Write("app/outside.lua", Main);
        tmp.Write("app/_index.yaml", HostYaml);
        foreach (var kind in new[] { "process.lua", "library.lua" })
        {
            var manifest = tmp.Write("app/a/_index.yaml", Process("a", "escape", source.Replace("ABSOLUTE", "/" + tmp.Full("outside.lua").TrimStart('/')), kind));
            var app = LuaApplication.Load(tmp.Full("app"));
            var error = Assert.Single(app.Errors);
            Assert.StartsWith(manifest + ":5: entry 'a:escape': source '", error);
            Assert.Contains("outside the manifest's folder", error);
            Assert.Empty(app.Entries);
        }
    }

    [Fact]
    public void Paths_that_stay_inside_are_loaded_as_UTF8()
    {
        using var tmp = new TempDir();
        tmp.Write("_index.yaml", HostYaml);
        tmp.Write("a/sub/x.lua", "return { main = function() return \"héllo привет 你好 😀\" end }\n");
        tmp.Write("a/_index.yaml", Process("a", "x", "file://sub/../sub/./x.lua"));
        var app = LuaApplication.Load(tmp.Path);
        Assert.Empty(app.Errors);
        Assert.Contains("\"héllo привет 你好 😀\"", Assert.Single(app.Entries).Source);
    }

    [Fact]
    public void Symlinks_are_resolved_in_every_component()
    {
        if (OperatingSystem.IsWindows()) return; // symlinks need privileges there
        using var tmp = new TempDir();
        tmp.Write("secret/x.lua", Main);
        tmp.Write("app/_index.yaml", HostYaml);
        tmp.Write("app/a/real/x.lua", Main);
        File.CreateSymbolicLink(tmp.Full("app/a/inside.lua"), tmp.Full("app/a/real/x.lua"));      // file link, inside
        Directory.CreateSymbolicLink(tmp.Full("app/a/insidedir"), "real");                          // relative dir link, inside
        File.CreateSymbolicLink(tmp.Full("app/a/outside.lua"), tmp.Full("secret/x.lua"));           // file link, outside
        Directory.CreateSymbolicLink(tmp.Full("app/a/outdir"), tmp.Full("secret"));                 // dir link (middle component), outside
        Directory.CreateSymbolicLink(tmp.Full("app/a/real/up"), "../../..");                        // link whose target climbs out
        Directory.CreateSymbolicLink(tmp.Full("app/a/loop"), "loop");                               // a cycle
        tmp.Write("app/a/_index.yaml", """
            namespace: a
            entries:
              - { name: inside, kind: process.lua, source: file://inside.lua }
              - { name: insidedir, kind: process.lua, source: file://insidedir/x.lua }
              - { name: outside, kind: process.lua, source: file://outside.lua }
              - { name: outdir, kind: library.lua, source: file://outdir/x.lua }
              - { name: climb, kind: process.lua, source: file://real/up/secret/x.lua }
              - { name: loop, kind: process.lua, source: file://loop/x.lua }
            """);
        var app = LuaApplication.Load(tmp.Full("app"));
        Assert.Equal(["a:inside", "a:insidedir"], app.Entries.Select(e => e.Reference).Order());
        var manifest = tmp.Full("app/a/_index.yaml");
        Assert.Equal(4, app.Errors.Count);
        Assert.Contains(app.Errors, e => e.StartsWith(manifest + ":5: entry 'a:outside'", StringComparison.Ordinal) && e.Contains("outside the manifest's folder"));
        Assert.Contains(app.Errors, e => e.StartsWith(manifest + ":6: entry 'a:outdir'", StringComparison.Ordinal) && e.Contains("outside the manifest's folder"));
        Assert.Contains(app.Errors, e => e.StartsWith(manifest + ":7: entry 'a:climb'", StringComparison.Ordinal) && e.Contains("outside the manifest's folder"));
        Assert.Contains(app.Errors, e => e.StartsWith(manifest + ":8: entry 'a:loop'", StringComparison.Ordinal));
    }

    [Fact]
    public void The_manifest_folder_itself_may_be_reached_through_a_symlink()
    {
        if (OperatingSystem.IsWindows()) return;
        using var tmp = new TempDir();
        tmp.Write("real/_index.yaml", HostYaml);
        tmp.Write("real/a/x.lua", Main);
        tmp.Write("real/a/_index.yaml", Process("a", "x", "file://x.lua"));
        Directory.CreateSymbolicLink(tmp.Full("link"), tmp.Full("real"));
        var app = LuaApplication.Load(tmp.Full("link"));
        Assert.Empty(app.Errors);
        Assert.Single(app.Entries);
    }

    [Fact]
    public void Duplicate_entries_and_hosts_are_errors_naming_both_places()
    {
        using var tmp = new TempDir();
        var root = tmp.Write("_index.yaml", HostYaml + "  - name: processes\n    kind: process.host\n");
        var a = tmp.Write("a/_index.yaml", "namespace: a\nentries:\n  - { name: x, kind: process.lua, source: \"return {main=function() end}\" }\n  - { name: x, kind: process.lua, source: \"return {main=function() end}\" }\n");
        var b = tmp.Write("b/_index.yaml", "namespace: a\nentries:\n  - { name: x, kind: library.lua, source: \"return {}\" }\n");
        var app = LuaApplication.Load(tmp.Path);
        Assert.Equal(
        [
            $"{root}:8: entry 'app:processes' is declared twice (first at {root}:4)",
            $"{a}:4: entry 'a:x' is declared twice (first at {a}:3)",
            $"{b}:3: entry 'a:x' is declared twice (first at {a}:3)",
        ], app.Errors);
        Assert.Single(app.Hosts);
        Assert.Single(app.Entries);
    }

    [Theory]
    [InlineData("workers: 100000", "'workers' must be an integer from 1 to 256 (got 100000)")]
    [InlineData("workers: 0", "'workers' must be an integer from 1 to 256 (got 0)")]
    [InlineData("workers: -3", "'workers' must be an integer from 1 to 256")]
    [InlineData("workers: two", "'workers' must be an integer from 1 to 256 (got two)")]
    [InlineData("workers: 99999999999999999999999", "'workers' must be an integer from 1 to 256")]
    [InlineData("workers: [1]", "'workers' must be an integer from 1 to 256 (got (a list))")]
    [InlineData("mailbox_limit: 0", "'mailbox_limit' must be an integer >= 1 (got 0)")]
    [InlineData("mailbox_limit: 1.5", "'mailbox_limit' must be an integer >= 1 (got 1.5)")]
    public void Bad_host_settings_are_errors_with_their_line(string setting, string message)
    {
        using var tmp = new TempDir();
        var file = tmp.Write("_index.yaml", $"namespace: app\nentries:\n  - name: processes\n    kind: process.host\n    host:\n      {setting}\n");
        var app = LuaApplication.Load(tmp.Path);
        var error = Assert.Single(app.Errors);
        Assert.StartsWith($"{file}:6: host 'app:processes': ", error);
        Assert.Contains(message, error);
        Assert.Empty(app.Hosts);
    }

    [Fact]
    public void Host_settings_are_read_into_the_model()
    {
        using var tmp = new TempDir();
        var file = tmp.Write("_index.yaml", """
            namespace: app
            entries:
              - name: one
                kind: process.host
                host: { workers: 3, mailbox_limit: 5000, wokers: 2 }
              - name: two
                kind: process.host
                lifecycle: { auto_start: false }
            """);
        var app = LuaApplication.Load(tmp.Path);
        Assert.Empty(app.Errors);
        Assert.Equal(new LuaHost("app:one", 3, 5000, true, file, 3), app.Hosts["app:one"]);
        Assert.Equal(new LuaHost("app:two", Math.Min(Environment.ProcessorCount, 256), 0, false, file, 6), app.Hosts["app:two"]);
        Assert.Equal($"{file}:5: host 'app:one': unknown setting 'wokers' is ignored (known: workers, mailbox_limit)", Assert.Single(app.Warnings));
    }

    [Fact]
    public async Task A_hosts_mailbox_limit_from_the_manifest_is_the_runtimes()
    {
        using var tmp = new TempDir();
        tmp.Write("_index.yaml", """
            namespace: app
            entries:
              - name: small
                kind: process.host
                host: { workers: 1, mailbox_limit: 2 }
              - name: idle
                kind: process.lua
                source: |
                  return { main = function() process.listen("never"):receive() end }
            """);
        var app = LuaApplication.Load(tmp.Path);
        Assert.Empty(app.Errors);
        await using var runtime = new ProcessRuntime();
        app.AddTo(runtime);
        Assert.True(runtime.Hosts.TryGet("app:small", out var host));
        Assert.Equal(2, host.MailboxLimit);
        var pid = runtime.Spawn("app:idle", "app:small").Value;
        Assert.True(runtime.Send(pid, "x", 1L).Ok);
        Assert.True(runtime.Send(pid, "x", 2L).Ok);
        Assert.Contains("mailbox full", runtime.Send(pid, "x", 3L).Error);
    }

    [Theory]
    [InlineData("namespace: a\nentries: 3\n", 2, "'entries' must be a list")]
    [InlineData("namespace: [a]\nentries: []\n", 1, "'namespace' must be a non-empty string")]
    [InlineData("- a\n- b\n", 1, "a manifest is a map")]
    [InlineData("namespace: a\nentries:\n  - name: x\n    kind: process.lua\n    source: [1]\n", 5, "'source' must be a string")]
    [InlineData("namespace: a\nentries:\n  - name: x\n    kind: process.lua\n    source: \"return {}\"\n    meta: 3\n", 6, "'meta' must be a map")]
    [InlineData("namespace: a\nentries:\n  - name: x\n    kind: process.lua\n    source: \"return {}\"\n    modules: time\n", 6, "'modules' must be a list")]
    [InlineData("namespace: a\nnamespace: b\nentries: []\n", 2, "Duplicate key")]
    [InlineData("namespace: a\nentries:\n  - name: x:y\n    kind: process.lua\n", 3, "x:y")]
    [InlineData("namespace: a\nentries:\n  - kind: process.lua\n", 3, "entry 1 has no 'name'")]
    [InlineData("namespace: a\nentries:\n  - name: x\n    kind: process.lua\n    source: file://\n", 5, "not a valid path")]
    public void Malformed_manifests_are_errors_with_their_line(string yaml, int line, string message)
    {
        using var tmp = new TempDir();
        var file = tmp.Write("_index.yaml", yaml);
        var app = LuaApplication.Load(tmp.Path);
        var error = Assert.Single(app.Errors);
        Assert.StartsWith($"{file}:{line}: ", error);
        Assert.Contains(message, error);
    }

    [Theory]
    [InlineData(100_000, false)]  // block sequences: "- - - - ..." on one line
    [InlineData(100_000, true)]   // flow sequences: "[[[[...]]]]"
    public void Deep_nesting_is_refused_before_it_can_exhaust_the_stack(int depth, bool flow)
    {
        using var tmp = new TempDir();
        var nested = flow ? new string('[', depth) + new string(']', depth) : string.Concat(Enumerable.Repeat("- ", depth)) + "x";
        var file = tmp.Write("_index.yaml", "namespace: a\nentries: []\nextra:\n  " + nested + "\n");
        var app = LuaApplication.Load(tmp.Path);
        Assert.StartsWith($"{file}:4: collections nested more than 64 levels deep", Assert.Single(app.Errors));
    }
}

/// <summary><see cref="LuaApplication.LoadText"/>: manifests that are not files, read by the same reader.</summary>
public class ManifestTextTests
{
    [Fact]
    public async Task Manifests_given_as_text_declare_hosts_inline_processes_and_services_that_run()
    {
        var app = LuaApplication.LoadText([
            KeyValuePair.Create("config", ManifestTests.HostYaml),
            KeyValuePair.Create("config", """
                namespace: app
                entries:
                  - name: worker
                    kind: process.lua
                    method: main
                    source: |
                      return { main = function(n) return n * 2 end }
                  - name: doubled
                    kind: process.service
                    process: app:worker
                    host: app:processes
                    input: [21]
                    lifecycle: { auto_start: true }
                """),
        ]);
        Assert.Empty(app.Errors);
        Assert.Equal(["app:doubled"], app.Services.Select(s => s.Reference));
        await using var runtime = new ProcessRuntime();
        app.AddTo(runtime);
        var exit = await runtime.RunAsync("app:worker", "app:processes", 21L).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Null(exit.Error);
        Assert.Equal(42L, exit.Result);
    }

    [Fact]
    public void Problems_are_named_by_the_manifest_s_name_and_line_and_a_file_source_is_an_error()
    {
        var app = LuaApplication.LoadText([
            KeyValuePair.Create("TypedProcesses:Services", "namespace: app\nentries:\n  - name: w\n    kind: process.lua\n    source: file://w.lua\n  - name: s\n    kind: process.service\n    process: app:w\n    host: app:processes\n    lifecycle: { start_timeout: 10 parsecs }\n"),
        ]);
        Assert.True(app.Errors.Any(e => e.StartsWith("TypedProcesses:Services:5:", StringComparison.Ordinal) && e.Contains("has no folder", StringComparison.Ordinal)), string.Join("\n", app.Errors));
        Assert.True(app.Errors.Any(e => e.StartsWith("TypedProcesses:Services:", StringComparison.Ordinal) && e.Contains("start_timeout", StringComparison.Ordinal)), string.Join("\n", app.Errors));
    }

    [Fact]
    public void Each_entry_gets_its_isolation_and_keeps_the_other_options_of_the_application()
    {
        var options = new LuaOptions { MemoryLimitBytes = 3 * 1024 * 1024 };
        var app = LuaApplication.LoadText([
            KeyValuePair.Create("config", """
                namespace: app
                entries:
                  - name: own
                    kind: process.lua
                    isolation: state
                    source: "return { main = function() end }"
                  - name: shared
                    kind: process.lua
                    isolation: shared
                    source: "return { main = function() end }"
                  - name: plain
                    kind: process.lua
                    source: "return { main = function() end }"
                  - name: bad
                    kind: process.lua
                    isolation: State
                    source: "return { main = function() end }"
                """),
        ], options);
        Assert.Equal(["config:16: entry 'app:bad': 'isolation' must be 'shared' or 'state' (got State)"], app.Errors);
        Assert.Empty(app.Warnings);
        var entries = app.Entries.ToDictionary(e => e.Reference);
        Assert.Equal(["app:own", "app:plain", "app:shared"], entries.Keys.Order());
        Assert.Equal(options with { Isolation = LuaIsolation.State }, entries["app:own"].Options);
        Assert.Equal(options, entries["app:shared"].Options);
        Assert.Equal(options, entries["app:plain"].Options);
        Assert.Equal(LuaIsolation.State, LuaApplication.LoadText([KeyValuePair.Create("m", "namespace: app\nentries:\n  - name: w\n    kind: process.lua\n    isolation: state\n    source: \"return {}\"\n")])
            .Entries.Single().Options.Isolation);
    }

    [Fact]
    public void Null_manifests_are_an_error_not_an_exception()
    {
        Assert.Equal(["no manifests were given"], LuaApplication.LoadText(null!).Errors);
        Assert.NotEmpty(LuaApplication.LoadText([KeyValuePair.Create("m", (string)null!)]).Errors);
    }
}
