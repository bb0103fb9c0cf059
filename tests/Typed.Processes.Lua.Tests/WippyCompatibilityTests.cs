using Xunit;

namespace Typed.Processes.Lua.Tests;

/// <summary>
/// Issue 10: programs written for Wippy run unchanged. The app under <c>wippy/</c> is written as Wippy's own tests are
/// (function.lua entries with <c>meta.type: test</c>, an assertion library imported under an alias) and exercises
/// each item of the issue; the smaller tests pin the manifest forms it relies on.
/// </summary>
public class WippyCompatibilityTests
{
    private static readonly string App = Path.Combine(AppContext.BaseDirectory, "wippy");

    [Fact]
    public async Task The_Wippy_format_app_passes_every_test_under_tproc_test()
    {
        var (code, output, error) = await CliTests.Tproc("test", App, "--timeout", "2m");
        var lines = CliTests.Lines(output);
        Assert.True(code == 0, $"tproc test exited {code}:\n{output}\n{error}");
        Assert.Equal(12, lines.Count(l => l.StartsWith("PASS ", StringComparison.Ordinal)));
        Assert.Equal("12 passed, 0 failed", lines[^1]);
    }

    [Fact]
    public async Task Imports_as_a_map_give_the_library_under_its_alias_and_function_entries_run_as_tests()
    {
        using var dir = new TempDir();
        dir.Write("_index.yaml", ManifestTests.HostYaml);
        dir.Write("lib/_index.yaml", """
            namespace: app.lib
            entries:
              - name: strings
                kind: library.lua
                source: |
                  return { shout = function(s) return string.upper(s) .. "!" end }
            """);
        dir.Write("t/_index.yaml", """
            namespace: app.t
            entries:
              - name: uses_alias
                kind: function.lua
                meta: { type: test }
                method: main
                imports: { s: app.lib:strings }
                source: |
                  local s = require("s")
                  return { main = function() return s.shout("hi") == "HI!" end }
              - name: not_a_test
                kind: function.lua
                meta: { type: helper }
                source: |
                  return { main = function() return false end }
            """);
        var (code, output, error) = await CliTests.Tproc("test", dir.Path);
        Assert.True(code == 0, $"tproc test exited {code}:\n{output}\n{error}");
        Assert.Equal(["PASS app.t:uses_alias", "1 passed, 0 failed"], CliTests.Lines(output).Select(l => l.Split(" (")[0]));
    }

    [Fact]
    public void An_alias_to_a_library_that_does_not_exist_is_an_error_at_its_line()
    {
        using var dir = new TempDir();
        var file = dir.Write("_index.yaml", """
            namespace: app
            entries:
              - name: w
                kind: process.lua
                imports:
                  helper: app:missing
                source: |
                  return { main = function() end }
            """);
        var app = LuaApplication.Load(dir.Path);
        Assert.Equal([$"{file}:6: 'app:w' imports 'app:missing' as 'helper', but no library.lua entry has that reference"], app.Errors);
    }
}
