using System.Runtime.CompilerServices;

namespace Typed.Processes.Generators.Tests;

/// <summary>
/// A small stand-in for Verify (not obtainable from our registry) that keeps its conventions, so the real package can
/// replace it without moving files: <c>Snapshots/&lt;Class&gt;.&lt;Test&gt;#&lt;file&gt;.verified.cs</c> is committed; on a
/// mismatch (or when it is missing) <c>.received.cs</c> is written next to it and the test fails. Nothing is ever
/// accepted automatically in CI; locally, <c>TP_ACCEPT_SNAPSHOTS=1</c> overwrites the verified files.
/// </summary>
public static class Snapshot
{
    public static void Verify(IReadOnlyList<(string HintName, string Source)> files, [CallerFilePath] string callerFile = "", [CallerMemberName] string test = "", string? className = null)
    {
        var dir = Path.Combine(Path.GetDirectoryName(callerFile)!, "Snapshots");
        className ??= Path.GetFileNameWithoutExtension(callerFile);
        bool accept = Environment.GetEnvironmentVariable("TP_ACCEPT_SNAPSHOTS") == "1" && Environment.GetEnvironmentVariable("CI") is null;
        var failures = new List<string>();
        var expectedNames = new HashSet<string>();
        foreach (var (hint, source) in files)
        {
            var stem = $"{className}.{test}#{hint.Replace(".g.cs", "").Replace(".cs", "")}";
            expectedNames.Add(stem);
            var verified = Path.Combine(dir, stem + ".verified.cs");
            var received = Path.Combine(dir, stem + ".received.cs");
            var actual = source.Replace("\r\n", "\n");
            if (File.Exists(verified) && File.ReadAllText(verified).Replace("\r\n", "\n") == actual)
            {
                if (File.Exists(received)) File.Delete(received);
                continue;
            }
            if (accept) { Directory.CreateDirectory(dir); File.WriteAllText(verified, actual); continue; }
            Directory.CreateDirectory(dir);
            File.WriteAllText(received, actual);
            failures.Add(File.Exists(verified) ? $"{stem}: differs from the verified snapshot (see {received})" : $"{stem}: no verified snapshot (review and rename {received})");
        }
        // A verified file the generator no longer produces is a difference too.
        if (Directory.Exists(dir))
            foreach (var stale in Directory.GetFiles(dir, $"{className}.{test}#*.verified.cs"))
            {
                var stem = Path.GetFileName(stale)[..^".verified.cs".Length];
                if (!expectedNames.Contains(stem)) failures.Add($"{stem}: verified but no longer generated");
            }
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }
}
