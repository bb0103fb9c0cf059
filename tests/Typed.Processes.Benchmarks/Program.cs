using System.Diagnostics;
using Typed.Processes.Benchmarks;

// Usage: dotnet run -c Release --project tests/Typed.Processes.Benchmarks -- [--quick] [--only <scenario,...>] [--no-report]
//        [--report-to <file>]
// Without --only (and without --no-report) the run rewrites docs/benchmarks.md; --report-to writes the report of any
// run, --only included, to <file> instead.
// Erlang/OTP rows need erl on the PATH (see Erlang.cs); BENCH_NO_ERLANG=1 skips them as if it were missing.
// Hidden: --child <scenario> <args...>  (e.g. --child mem ours-lua 20000 shared; memory scenarios re-execute this binary so that their heap/working-set
// deltas are not polluted by other scenarios)
if (args.Length > 0 && args[0] == "--child") return await Memory.RunChild(args[1..]);

using var telemetryListeners = TelemetryListeners.AttachIfAsked(); // BENCH_LISTENER=1: instrumentation with a listener
Harness.Quick = args.Contains("--quick");
var only = args.SkipWhile(a => a != "--only").Skip(1).FirstOrDefault()?.Split(',') ?? [];
var reportTo = args.SkipWhile(a => a != "--report-to").Skip(1).FirstOrDefault();
bool Want(string name) => only.Length == 0 || only.Contains(name);
bool quick = Harness.Quick;
var total = Stopwatch.StartNew();
var tables = new List<Table>();
Console.WriteLine($"Typed.Processes benchmarks ({(quick ? "quick" : "full")} mode)");

async Task Scenario(string name, Func<Task<IEnumerable<Table>>> run)
{
    if (!Want(name)) return;
    Console.WriteLine($"[{total.Elapsed:mm\\:ss}] {name}");
    try
    {
        var added = (await run()).ToList();
        tables.AddRange(added);
        foreach (var t in added)
            foreach (var target in t.Targets) Console.WriteLine($"  {t.Title} | target {target}");
    }
    catch (Exception ex)
    {
        Console.WriteLine($"  {name} FAILED: {ex.GetType().Name}: {ex.Message}");
        var failed = new Table($"{name}: FAILED", "-", Better.Higher, "see the note");
        failed.Notes.Add($"The scenario failed in this run: {ex.GetType().Name}: {ex.Message}");
        tables.Add(failed);
    }
    GC.Collect();
    GC.WaitForPendingFinalizers();
}

await Scenario("pingpong", async () =>
[
    await PingPong.Run(1, quick ? 100_000 : 500_000),
    await PingPong.Run(8, quick ? 25_000 : 125_000),
]);

await Scenario("spawn", async () =>
[
    await Spawn.SpawnExit(quick ? 100_000 : 500_000),
    await Spawn.Skynet(quick ? 100_000 : 1_000_000, quick ? 3 : 5, 1),
]);

await Scenario("memory", async () => await Memory.Run(100_000, quick ? 20_000 : 100_000));

await Scenario("lua", async () => await LuaBench.Run(quick ? 2_000 : 10_000, quick ? 50_000 : 200_000));

await Scenario("isolation", async () => await Isolation.Run(1_000_000));

await Scenario("fanout", async () => [await FanOut.Run(10_000, 10_000)]);

if (only.Contains("luaecho")) await LuaBench.Run(0, 200_000); // profiling aid: the echo alone
if (only.Contains("luaspawn")) await LuaBench.Run(10_000, 0); // profiling aid: the spawn alone

var command = "dotnet run -c Release --project tests/Typed.Processes.Benchmarks --" + (quick ? " --quick" : "") +
              (only.Length > 0 ? " --only " + string.Join(",", only) : "");
if (reportTo is not null || (!args.Contains("--no-report") && only.Length == 0))
{
    var root = Report.FindRepoRoot();
    var findingsPath = Path.Combine(root, "tests", "Typed.Processes.Benchmarks", "Findings.md");
    var findings = File.Exists(findingsPath) ? File.ReadAllText(findingsPath) : "";
    var preamble = quick
        ? "**Quick mode**: smaller counts and fewer iterations than the full run (each table says its workload)."
        : "Full mode.";
    if (only.Length > 0) preamble += $" Only the scenarios {string.Join(", ", only)}.";
    var path = reportTo is not null ? Path.GetFullPath(reportTo) : Path.Combine(root, "docs", "benchmarks.md");
    File.WriteAllText(path, Report.Render(tables, command, total.Elapsed, preamble, reportTo is null ? findings : ""));
    Console.WriteLine($"wrote {path}");
}
Console.WriteLine($"done in {total.Elapsed.TotalSeconds:0} s");
return 0;
