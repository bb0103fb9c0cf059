using System.Diagnostics;

namespace Typed.Processes.Benchmarks;

/// <summary>Min / median / max of the per-iteration figures.</summary>
public readonly record struct Stats(double Min, double Median, double Max, int Iterations)
{
    public static Stats Of(IReadOnlyList<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        int n = sorted.Length;
        double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        return new Stats(sorted[0], median, sorted[^1], n);
    }

    public static Stats Once(double value) => new(value, value, value, 1);
}

/// <summary>How a scenario's figure compares: a rate (higher is better) or a cost (lower is better).</summary>
public enum Better { Higher, Lower }

/// <summary>One system's figure in one scenario table.</summary>
public sealed record Row(string System, Stats Stats, bool IsOurs = false, bool IsLimit = false, string? Note = null);

/// <summary>One scenario table of the report.</summary>
public sealed class Table(string title, string unit, Better better, string workload)
{
    public string Title { get; } = title;
    public string Unit { get; } = unit;
    public Better Better { get; } = better;
    public string Workload { get; set; } = workload;
    public List<Row> Rows { get; } = [];
    public List<string> Targets { get; } = [];
    public List<string> Notes { get; } = [];

    public Row Add(string system, Stats stats, bool ours = false, bool limit = false, string? note = null)
    {
        var row = new Row(system, stats, ours, limit, note);
        Rows.Add(row);
        Console.WriteLine($"  {Title} | {system,-32} median {Harness.Format(stats.Median)} {Unit} (min {Harness.Format(stats.Min)}, max {Harness.Format(stats.Max)})");
        return row;
    }

    /// <summary>How many times better ours is than <paramref name="other"/> (above 1: ours is better).</summary>
    public double Ratio(Row ours, Row other) => Better == Better.Higher
        ? ours.Stats.Median / other.Stats.Median
        : other.Stats.Median / ours.Stats.Median;
}

public static class Harness
{
    public static bool Quick { get; set; }

    /// <summary>Iterations abandoned after hanging (see <see cref="Measure"/>).</summary>
    public static int Hangs { get; set; }

    /// <summary>Bytes allocated (all threads) per operation while the last measured iteration ran.</summary>
    public static double LastAllocatedPerOp { get; private set; } = double.NaN;

    /// <summary>Records allocations of one run: call with the op count after <see cref="Measure"/>-style timing.</summary>
    public static async Task<double> Allocations(Func<Task> run, long ops)
    {
        long before = GC.GetTotalAllocatedBytes(true);
        await run();
        LastAllocatedPerOp = (GC.GetTotalAllocatedBytes(true) - before) / (double)ops;
        return LastAllocatedPerOp;
    }
    public static int Warmups => Quick ? 1 : 2;
    public static int Iterations => Quick ? 3 : 7;

    /// <summary>Runs <paramref name="once"/> warm-up + measured times; each call returns that iteration's figure.</summary>
    public static async Task<Stats> Measure(Func<Task<double>> once, int? iterations = null, int? warmups = null)
    {
        // A stuck iteration is abandoned and run again (counted in Hangs, reported); a second one fails the scenario.
        var limit = TimeSpan.FromSeconds(60);
        int retries = 0;
        async Task<double> Once()
        {
            try
            {
                return await once().WaitAsync(limit);
            }
            catch (TimeoutException) when (retries++ == 0)
            {
                Hangs++;
                Console.WriteLine("  (an iteration hung for 60 s; abandoned and retried)");
                return await once().WaitAsync(limit);
            }
        }
        for (int i = 0; i < (warmups ?? Warmups); i++) await Once();
        var values = new List<double>();
        for (int i = 0; i < (iterations ?? Iterations); i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            values.Add(await Once());
        }
        return Stats.Of(values);
    }

    /// <summary>Times an asynchronous operation and returns the elapsed seconds.</summary>
    public static async Task<double> Time(Func<Task> op)
    {
        var sw = Stopwatch.StartNew();
        await op();
        return sw.Elapsed.TotalSeconds;
    }

    public static string Format(double v) => v switch
    {
        double.NaN => "n/a",
        >= 10_000 => v.ToString("N0", System.Globalization.CultureInfo.InvariantCulture),
        >= 100 => v.ToString("0", System.Globalization.CultureInfo.InvariantCulture),
        >= 10 => v.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture),
        >= 1 => v.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture),
        _ => v.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>A one-shot completion signal that is resumed off the signalling thread.</summary>
    public static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>Counts down from a number and completes a task at zero; shared by scenario processes and actors.</summary>
public sealed class Countdown
{
    private int _left;
    private TaskCompletionSource _done = Harness.NewSignal();

    public Task Reset(int count)
    {
        _done = Harness.NewSignal();
        Volatile.Write(ref _left, count);
        if (count == 0) _done.TrySetResult();
        return _done.Task;
    }

    public void Signal()
    {
        if (Interlocked.Decrement(ref _left) == 0) _done.TrySetResult();
    }
}
