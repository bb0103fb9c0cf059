using Xunit;
namespace Typed.Processes.Lua.Tests;

/// <summary>tproc's command line: bad input is exit 2 with one "tproc: ..." line per problem, never a stack trace or a usage dump.</summary>
public class CliTests
{
    internal static async Task<(int Code, string Out, string Err)> Tproc(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var code = await Cli.Program.RunAsync(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    internal static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    internal static TempDir App()
    {
        var tmp = new TempDir();
        tmp.Write("_index.yaml", ManifestTests.HostYaml);
        tmp.Write("w/_index.yaml", """
            namespace: w
            entries:
              - name: ok
                kind: process.lua
                source: |
                  return { main = function(a, b) return a + b end }
              - name: echo
                kind: process.lua
                source: |
                  return { main = function(...) local t = table.pack(...) local out = {} for i = 1, t.n do out[i] = type(t[i]) .. ":" .. tostring(t[i]) end return table.concat(out, ",") end }
              - name: len
                kind: process.lua
                source: |
                  return { main = function(s) return #s end }

            """);
        return tmp;
    }

    private static void AssertUsageError(int code, string err, string expected)
    {
        Assert.Equal(2, code);
        var lines = Lines(err);
        Assert.NotEmpty(lines);
        Assert.All(lines, l => Assert.StartsWith("tproc: ", l));
        Assert.DoesNotContain("   at ", err);
        Assert.DoesNotContain("Usage:", err);
        Assert.Contains(lines, l => l.Contains(expected));
    }

    [Theory]
    [InlineData("--timeout: the duration must be positive (got '-1s')", "run", "--timeout", "-1s")]
    [InlineData("--timeout: the duration must be positive (got '0')", "run", "APP", "w:ok", "--timeout", "0")]
    [InlineData("--timeout: '100000h' is too long (at most 720h)", "run", "APP", "w:ok", "--timeout", "100000h")]
    [InlineData("--timeout: invalid duration 'soon'", "run", "APP", "w:ok", "--timeout", "soon")]
    [InlineData("--grace: '2h' is too long (at most 1h)", "test", "APP", "--grace", "2h")]
    [InlineData("Required argument 'app-dir' missing", "run", "--timeout", "5s")]
    [InlineData("Required argument 'app-dir' missing", "run", "--host", "app:x")]
    [InlineData("--host", "run", "APP", "w:ok", "--host")]
    [InlineData("Required argument 'entry-ref' missing", "run", "APP")]
    [InlineData("Required command was not provided", "")]
    [InlineData("Unrecognized command or argument 'bogus'", "bogus")]
    [InlineData("expects a single argument", "run", "APP", "w:ok", "--timeout", "1s", "--timeout", "2s")]
    [InlineData("unknown entry 'w:nope'", "run", "APP", "w:nope")]
    [InlineData("unknown host 'app:nohost'", "run", "APP", "w:ok", "--host", "app:nohost")]
    [InlineData("application folder '/no/such/dir' does not exist", "run", "/no/such/dir", "w:ok")]
    public async Task Bad_command_lines_exit_2_with_one_line_per_problem(string expected, params string[] args)
    {
        using var app = App();
        var (code, _, err) = await Tproc(args.Where(a => a.Length > 0).Select(a => a == "APP" ? app.Path : a).ToArray());
        AssertUsageError(code, err, expected);
    }

    [Theory]
    [InlineData("  - name: ok\n    kind: process.lua\n    source: \"return {}\"\n", ":15: entry 'w:ok' is declared twice (first at ")]
    [InlineData("  - name: processes\n    kind: process.host\n", ":15: entry 'w:processes'")] // not a duplicate: its own namespace; checked below
    public async Task Bad_manifests_exit_2_with_file_and_line(string extra, string expected)
    {
        using var app = App();
        var file = app.Full("w/_index.yaml");
        File.AppendAllText(file, extra);
        var (code, _, err) = await Tproc("run", app.Path, "w:ok", "1", "2");
        if (expected.Contains("declared twice")) AssertUsageError(code, err, file + expected);
        else
        {
            // A second host (in another namespace) is fine, but then tproc cannot guess which one to use.
            AssertUsageError(code, err, "several hosts are declared (app:processes, w:processes); choose one with --host");
            Assert.Equal(0, (await Tproc("run", app.Path, "w:ok", "1", "2", "--host", "w:processes")).Code);
        }
    }

    [Fact]
    public async Task Workers_out_of_range_and_duplicate_hosts_exit_2()
    {
        using var app = App();
        var root = app.Write("_index.yaml", ManifestTests.HostYaml.Replace("workers: 2", "workers: 100000") + "  - name: processes\n    kind: process.host\n");
        var (code, _, err) = await Tproc("run", app.Path, "w:ok", "1", "2");
        AssertUsageError(code, err, $"{root}:7: host 'app:processes': 'workers' must be an integer from 1 to 256 (got 100000)");
        AssertUsageError(code, err, $"{root}:8: entry 'app:processes' is declared twice (first at {root}:4)");
        Assert.Equal(2, Lines(err).Length);
    }

    [Fact]
    public async Task Entry_arguments_are_passed_as_given_including_ones_that_look_like_options()
    {
        using var app = App();
        var (code, output, err) = await Tproc("run", app.Path, "w:echo", "--timeout", "10s", "7", "x y", "true", "@alice", "--", "--host", "-1", "");
        Assert.Equal("", err);
        Assert.Equal(0, code);
        Assert.Equal("number:7,string:x y,boolean:true,string:@alice,string:--host,number:-1,string:", output.Trim());
        var sum = await Tproc("run", app.Path, "w:ok", "2", "3");
        Assert.Equal((0, "5"), (sum.Code, sum.Out.Trim()));
    }


    [Fact]
    public async Task Non_ASCII_arguments_reach_Lua_as_UTF8_and_come_back_unchanged()
    {
        using var app = App();
        const string text = "héllo привет 你好 😀";
        var (code, output, err) = await Tproc("run", app.Path, "w:echo", text);
        Assert.Equal("", err);
        Assert.Equal(0, code);
        Assert.Equal("string:" + text, output.Trim());
        // Lua sees the UTF-8 bytes, counted by Lua itself.
        var length = await Tproc("run", app.Path, "w:len", text);
        Assert.Equal((0, System.Text.Encoding.UTF8.GetByteCount(text).ToString(System.Globalization.CultureInfo.InvariantCulture)), (length.Code, length.Out.Trim()));
    }
    [Fact]
    public async Task Help_is_printed_only_when_asked_for()
    {
        var (code, output, err) = await Tproc("run", "--help");
        Assert.Equal(0, code);
        Assert.Equal("", err);
        Assert.Contains(" run <app-dir> <entry-ref> [<args>...] [options]", output);
        Assert.Contains("--grace <duration>", output);
    }

    [Fact]
    public async Task A_timeout_is_exit_1_with_one_line()
    {
        using var app = App();
        app.Write("s/_index.yaml", "namespace: s\nentries:\n  - { name: slow, kind: process.lua, source: \"return { main = function() time.sleep('10s') end }\" }\n");
        var (code, _, err) = await Tproc("run", app.Path, "s:slow", "--timeout", "50ms");
        Assert.Equal(1, code);
        Assert.Equal("tproc: s:slow failed: timed out after 50ms", err.Trim());
    }
}
