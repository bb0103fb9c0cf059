using Xunit;
using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Typed.Processes.Lua;

namespace Typed.Processes.Lua.Tests;

/// <summary>
/// Seeded fuzzing of tproc's command line and of manifests. The short run is part of dotnet test; a long run:
/// <c>TPROC_FUZZ_ITERATIONS=20000 [TPROC_FUZZ_SEED=n] dotnet test --project tests/Typed.Processes.Lua.Tests -- --filter-class '*CliFuzzTests'</c>.
/// A failure names the seed and case number; rerun with that seed to reproduce it.
/// </summary>
public class CliFuzzTests(ITestOutputHelper output)
{
    private static int Iterations(int shortRun) =>
        int.TryParse(Environment.GetEnvironmentVariable("TPROC_FUZZ_ITERATIONS"), out var n) && n > 0 ? n : shortRun;

    private static int Seed => int.TryParse(Environment.GetEnvironmentVariable("TPROC_FUZZ_SEED"), out var s) ? s : 20261126;

    private static readonly string[] Durations =
        ["1s", "-1s", "0", "0s", "100000h", "720h", "721h", "1h", "2h", "1ns", "5", "ms", "1.5.5s", "1e9h", "NaN", "∞s", "٣s", "+3s", "-", "1m30s", "9999999999999999999999h", " 1s", "1s ", "\t"];

    private static readonly string[] Words =
        ["run", "test", "--host", "--timeout", "--grace", "--", "-", "-h", "--help", "--version", "--hots", "-x", "--timeout=1s", "--host:app:processes",
         "w:ok", "w:echo", "app:processes", "w:", ":x", "a:b:c", "", " ", "héllo", "привет", "你好", "😀", "\u0000", "\ud800", "x\ny", "1", "2", "-5", "1e400", "true", "@file"];

    private static string Token(Random rng, TempDir app) => rng.Next(12) switch
    {
        0 or 1 => app.Path,
        2 => "/no/such/dir",
        3 or 4 => Durations[rng.Next(Durations.Length)],
        5 => RandomText(rng, rng.Next(0, 12)),
        _ => Words[rng.Next(Words.Length)],
    };

    private static string RandomText(Random rng, int length)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < length; i++)
            sb.Append(rng.Next(6) switch
            {
                0 => (char)rng.Next(0, 32),
                1 => (char)rng.Next(0x80, 0x800),
                2 => "😀",
                _ => (char)rng.Next(32, 127),
            });
        return sb.ToString();
    }

    [Fact]
    public async Task Random_command_lines_exit_0_1_or_2_with_only_tproc_lines_on_stderr()
    {
        using var app = CliTests.App();
        var rng = new Random(Seed);
        var sw = Stopwatch.StartNew();
        int iterations = Iterations(300);
        var codes = new int[3];
        for (int i = 0; i < iterations; i++)
        {
            var args = new string[rng.Next(0, 8)];
            for (int j = 0; j < args.Length; j++) args[j] = Token(rng, app);
            if (rng.Next(3) == 0) args = ["run", app.Path, rng.Next(2) == 0 ? "w:ok" : "w:echo", .. args];
            var (code, _, err) = await CliTests.Tproc(args);
            var context = $"seed {Seed} case {i}: tproc {string.Join(" ", args.Select(a => "'" + a + "'"))} -> {code}\n{err}";
            Assert.True(code is 0 or 1 or 2, context);
            codes[code]++;
            Assert.All(err.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => Assert.True(l.StartsWith("tproc: ", StringComparison.Ordinal), context));
            Assert.DoesNotContain("internal error", err);
            Assert.DoesNotContain("   at ", err);
        }
        output.WriteLine($"{iterations} command lines in {sw.ElapsedMilliseconds} ms; exit codes 0/1/2: {codes[0]}/{codes[1]}/{codes[2]}");
        Assert.True(codes.All(c => c > 0), "the generator must reach every exit code");
    }

    private static readonly string[] Names = ["x", "y", "processes", "", "X Y", "[a]", "ü", "a:b", "{}", "\"q\"", "x\ty"];
    private static readonly string[] Kinds = ["process.lua", "library.lua", "process.host", "http.service", "", "[1]", "{a: b}"];
    private static readonly string[] Sources =
    [
        "\"return { main = function() return 1 end }\"", "\"return {\"", "file://x.lua", "file://bad.lua", "file://sub/x.lua", "file://sub/../x.lua",
        "file://../x.lua", "file://../../outside.lua", "file:///etc/passwd", "file://OUTSIDE", "file://link.lua", "file://inlink.lua",
        "file://missing.lua", "file://sub", "file://", "file://.", "file://%2e%2e/outside.lua", "\"file://\\0x\"", "file://" + new string('a', 300),
        "[1, 2]", "{a: 1}", "", "|\n      return { main = function() return 'block' end }",
    ];
    private static readonly int[] ValidSources = [0, 2, 4, 5, 11];
    private static readonly string[] Numbers = ["-1", "0", "1", "2", "256", "257", "100000", "x", "1.5", "", "[1]", "{a: 1}", "0x10", "99999999999999999999", "~", "null", "\"3\""];

    private static string RandomManifest(Random rng, string outside)
    {
        if (rng.Next(12) == 0) return RandomText(rng, rng.Next(0, 200));
        var sb = new StringBuilder();
        if (rng.Next(2) == 0) sb.Append("version: \"1.0\"\n");
        if (rng.Next(8) != 0) sb.Append("namespace: ").Append(rng.Next(4) == 0 ? Names[rng.Next(Names.Length)] : "a").Append('\n');
        if (rng.Next(10) == 0) sb.Append("anchor: &x { test: true, deep: [*x] }\n");
        if (rng.Next(10) == 0) sb.Append("unknown: 1\n");
        sb.Append("entries:\n");
        int n = rng.Next(0, 6);
        for (int i = 0; i < n; i++)
        {
            var fields = new List<string> { "name: " + Names[rng.Next(4) == 0 ? rng.Next(Names.Length) : rng.Next(3)] };
            if (rng.Next(10) != 0) fields.Add("kind: " + Kinds[rng.Next(4) == 0 ? rng.Next(Kinds.Length) : rng.Next(3)]);
            if (rng.Next(6) != 0) fields.Add("source: " + Sources[rng.Next(2) == 0 ? ValidSources[rng.Next(ValidSources.Length)] : rng.Next(Sources.Length)].Replace("OUTSIDE", outside));
            if (rng.Next(3) == 0) fields.Add($"host: {{ workers: {Numbers[rng.Next(Numbers.Length)]}, mailbox_limit: {Numbers[rng.Next(Numbers.Length)]} }}");
            if (rng.Next(5) == 0) fields.Add("workers: " + Numbers[rng.Next(Numbers.Length)]);
            if (rng.Next(5) == 0) fields.Add("lifecycle: " + new[] { "{ auto_start: false }", "{ auto_start: maybe }", "[1]", "{ auto_start: [x] }" }[rng.Next(4)]);
            if (rng.Next(4) == 0) fields.Add("meta: " + new[] { "{ test: true }", "3", "{ a: { b: [1, 2, { c: d }] } }", "[x]" }[rng.Next(4)]);
            if (rng.Next(4) == 0) fields.Add("modules: " + new[] { "[time]", "time", "[[x]]", "[util, x]", "[{ name: y }]" }[rng.Next(5)]);
            if (rng.Next(6) == 0) fields.Add("method: " + new[] { "main", "[x]", "other", "" }[rng.Next(4)]);
            if (rng.Next(2) == 0) sb.Append("  - { ").Append(string.Join(", ", fields.Where(f => !f.Contains('\n')))).Append(" }\n");
            else
            {
                sb.Append("  - ").Append(fields[0]).Append('\n');
                foreach (var f in fields.Skip(1)) sb.Append("    ").Append(f).Append('\n');
            }
        }
        var text = sb.ToString();
        switch (rng.Next(10))
        {
            case 0: text = text[..rng.Next(text.Length + 1)]; break;
            case 1: text = text.Insert(rng.Next(text.Length + 1), RandomText(rng, rng.Next(1, 4))); break;
            case 2: text += "deep: " + (rng.Next(2) == 0 ? new string('[', 5000) : string.Concat(Enumerable.Repeat("- ", 5000))) + "\n"; break;
            case 3: text = text.Replace("  - ", "\t- "); break;
        }
        return text;
    }

    private static readonly Regex Located = new(@"(_index\.yaml(:\d+)?: |\.lua:\d+: |_index\.yaml\[[^\]]*\]:\d+: )", RegexOptions.Compiled);

    [Fact]
    public void Random_manifests_never_throw_and_every_problem_names_its_file_and_line()
    {
        using var tmp = new TempDir();
        var outside = tmp.Write("outside.lua", "return { main = function() return 'OUTSIDE' end }\n");
        var rng = new Random(Seed);
        var sw = Stopwatch.StartNew();
        int iterations = Iterations(120), errors = 0, entries = 0;
        for (int i = 0; i < iterations; i++)
        {
            var dir = Path.Combine(tmp.Path, "app" + i);
            foreach (var sub in new[] { "", "b" })
            {
                Directory.CreateDirectory(Path.Combine(dir, sub, "sub"));
                File.WriteAllText(Path.Combine(dir, sub, "x.lua"), "return { main = function() return 'x' end }\n");
                File.WriteAllText(Path.Combine(dir, sub, "sub", "x.lua"), "return { main = function() return 'sub' end }\n");
                File.WriteAllText(Path.Combine(dir, sub, "bad.lua"), "return {\n");
                if (!OperatingSystem.IsWindows())
                {
                    File.CreateSymbolicLink(Path.Combine(dir, sub, "link.lua"), outside);
                    File.CreateSymbolicLink(Path.Combine(dir, sub, "inlink.lua"), "sub/x.lua");
                }
                if (sub == "" || rng.Next(2) == 0) File.WriteAllText(Path.Combine(dir, sub, "_index.yaml"), RandomManifest(rng, outside));
            }
            var context = $"seed {Seed} case {i}";
            var app = LuaApplication.Load(dir);
            errors += app.Errors.Count;
            entries += app.Entries.Count;
            foreach (var problem in app.Errors.Concat(app.Warnings))
            {
                Assert.DoesNotContain("could not load the application", problem);
                Assert.True(Located.IsMatch(problem) || problem.EndsWith("_index.yaml: empty manifest", StringComparison.Ordinal), $"{context}: {problem}");
            }
            Assert.All(app.Entries, e => Assert.DoesNotContain("OUTSIDE", e.Source));
        }
        output.WriteLine($"{iterations} manifests in {sw.ElapsedMilliseconds} ms: {errors} errors, {entries} entries loaded");
        Assert.True(errors > 0 && entries > 0, "the generator must produce both valid and invalid entries");
    }
}
