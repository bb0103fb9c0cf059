using System.Diagnostics;
using System.Globalization;
using Process = System.Diagnostics.Process;

namespace Typed.Processes.Benchmarks;

/// <summary>
/// The Erlang/OTP peer rows: runs erlang/tp_bench.erl (copied next to this binary) with
/// <c>erl -noshell +S &lt;workers&gt;</c>, one fresh BEAM per scenario, when <c>erl</c> is on the PATH; otherwise each
/// table says that the rows were skipped. BENCH_NO_ERLANG=1 pretends that <c>erl</c> is missing.
/// </summary>
public static class Erlang
{
    public const string RowName = "Erlang/OTP";
    public const string Skipped = "Erlang/OTP: erl not on PATH, rows skipped";

    private const string MaxProcesses = "2097152";

    private static readonly Lazy<string?> Erl = new(FindOnPath);
    private static Task<string>? s_compiled;

    /// <summary>The OTP release that produced the rows (null until one ran).</summary>
    public static string? Version { get; private set; }

    /// <summary>True when erl was not found (the rows were skipped).</summary>
    public static bool Missing => Erl.Value is null;

    private static string? FindOnPath()
    {
        if (Environment.GetEnvironmentVariable("BENCH_NO_ERLANG") == "1") return null;
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, OperatingSystem.IsWindows() ? "erl.exe" : "erl");
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>
    /// Runs <paramref name="scenario"/> of tp_bench.erl and adds its row to <paramref name="table"/>; when erl is missing
    /// or the run fails, the table gets a note instead (the other rows are unaffected).
    /// </summary>
    public static async Task<Row?> Add(Table table, string scenario, int warmups, int iterations, params long[] args)
    {
        var values = await Run(table, scenario, warmups, iterations, args);
        return values is null ? null : table.Add(RowName, Stats.Of(values));
    }

    /// <summary>The per-iteration figures printed by tp_bench.erl, or null (with a note on <paramref name="table"/>).</summary>
    public static async Task<double[]?> Run(Table table, string scenario, int warmups, int iterations, params long[] args)
    {
        if (Erl.Value is not { } erl)
        {
            table.Notes.Add(Skipped);
            Console.WriteLine("  " + Skipped);
            return null;
        }
        try
        {
            var dir = await (s_compiled ??= Compile(erl));
            var psi = new ProcessStartInfo(erl) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            // +P: the default limit of 262,144 live processes is too small for skynet at 1M leaves (about 1.1M processes).
            foreach (var a in new[] { "-noshell", "+S", Systems.Workers.ToString(CultureInfo.InvariantCulture), "+P", MaxProcesses, "-pa", dir,
                                      "-run", "tp_bench", "main", scenario, warmups.ToString(CultureInfo.InvariantCulture),
                                      iterations.ToString(CultureInfo.InvariantCulture) })
                psi.ArgumentList.Add(a);
            foreach (var a in args) psi.ArgumentList.Add(a.ToString(CultureInfo.InvariantCulture));
            var (code, output) = await RunToEnd(psi, TimeSpan.FromMinutes(5));
            var lines = output.Split('\n', StringSplitOptions.TrimEntries);
            Version ??= lines.FirstOrDefault(l => l.StartsWith("TP_BENCH_OTP ", StringComparison.Ordinal))?["TP_BENCH_OTP ".Length..];
            var result = lines.FirstOrDefault(l => l.StartsWith("TP_BENCH ", StringComparison.Ordinal));
            if (code != 0 || result is null)
                throw new InvalidOperationException($"erl exited with {code}: {string.Join(" ", lines.Where(l => l.Length > 0)).Trim()}");
            return result["TP_BENCH ".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        }
        catch (Exception ex)
        {
            var note = $"Erlang/OTP row failed in this run: {ex.Message}";
            table.Notes.Add(note);
            Console.WriteLine("  " + note);
            return null;
        }
    }

    /// <summary>Compiles tp_bench.erl with erlc (next to erl) into a temporary folder; returns the folder.</summary>
    private static async Task<string> Compile(string erl)
    {
        var source = Path.Combine(AppContext.BaseDirectory, "erlang", "tp_bench.erl");
        if (!File.Exists(source)) throw new FileNotFoundException($"{source} is missing (it is copied to the output on build)");
        var dir = Path.Combine(Path.GetTempPath(), $"tp-bench-erlang-{Environment.ProcessId}");
        Directory.CreateDirectory(dir);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        };
        var erlc = Path.Combine(Path.GetDirectoryName(erl)!, OperatingSystem.IsWindows() ? "erlc.exe" : "erlc");
        ProcessStartInfo psi;
        if (File.Exists(erlc))
        {
            psi = new ProcessStartInfo(erlc) { ArgumentList = { "-o", dir, source } };
        }
        else
        {
            // erlc is a separate package on some systems: compile:file/2 through erl does the same.
            var eval = $"case compile:file(\"{Escape(source)}\", [{{outdir, \"{Escape(dir)}\"}}, report]) of {{ok, _}} -> halt(0); _ -> halt(1) end.";
            psi = new ProcessStartInfo(erl) { ArgumentList = { "-noshell", "-eval", eval } };
        }
        psi.RedirectStandardOutput = psi.RedirectStandardError = true;
        psi.UseShellExecute = false;
        var (code, output) = await RunToEnd(psi, TimeSpan.FromMinutes(2));
        if (code != 0) throw new InvalidOperationException($"compiling tp_bench.erl failed ({code}): {output.Trim()}");
        return dir;
    }

    private static string Escape(string path) => path.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);

    private static async Task<(int Code, string Output)> RunToEnd(ProcessStartInfo psi, TimeSpan limit)
    {
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {psi.FileName}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        try
        {
            await p.WaitForExitAsync().WaitAsync(limit);
        }
        catch (TimeoutException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Path.GetFileName(psi.FileName)} did not finish within {limit.TotalMinutes:0} min (killed)");
        }
        return (p.ExitCode, await stdout + await stderr);
    }
}
