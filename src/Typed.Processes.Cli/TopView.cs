using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;
using Typed.Processes.LiveView;

namespace Typed.Processes.Cli;

/// <summary>The column <c>tproc top</c> sorts by (the key that selects it in brackets).</summary>
internal enum TopSort
{
    /// <summary>[p] PID number, ascending.</summary>
    Pid,
    /// <summary>[b] mailbox length, largest first.</summary>
    Mailbox,
    /// <summary>[m] memory (Lua processes), largest first.</summary>
    Memory,
    /// <summary>[s] messages received per second, largest first.</summary>
    Rate,
    /// <summary>[r] reductions (run slices), largest first.</summary>
    Reductions,
    /// <summary>[c] CPU time (Lua processes), largest first.</summary>
    Cpu,
}

/// <summary>One row of <c>tproc top</c>.</summary>
internal sealed record TopRow(ProcessSnapshot Process, double Rate)
{
    public Pid Pid => Process.Pid;
}

/// <summary>
/// The table of <c>tproc top</c>: keeps the previous snapshot to compute each process's messages per second, sorts,
/// and renders either a Spectre.Console table (a terminal) or plain lines (anything else).
/// </summary>
internal sealed class TopView
{
    private RuntimeSnapshot? _previous;

    public TopSort Sort { get; set; } = TopSort.Reductions;

    /// <summary>The sort names <c>--sort</c> takes, each with its key.</summary>
    public static readonly IReadOnlyList<(string Name, char Key, TopSort Sort)> Sorts =
    [
        ("pid", 'p', TopSort.Pid), ("mailbox", 'b', TopSort.Mailbox), ("memory", 'm', TopSort.Memory),
        ("msgs", 's', TopSort.Rate), ("reductions", 'r', TopSort.Reductions), ("cpu", 'c', TopSort.Cpu),
    ];

    public static bool TryKey(char key, out TopSort sort)
    {
        foreach (var s in Sorts)
            if (s.Key == char.ToLowerInvariant(key)) { sort = s.Sort; return true; }
        sort = default;
        return false;
    }

    public static bool TryName(string name, out TopSort sort)
    {
        foreach (var s in Sorts)
            if (string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase)) { sort = s.Sort; return true; }
        sort = default;
        return false;
    }

    /// <summary>Rows of <paramref name="now"/>, rates measured since the previous call, sorted by <see cref="Sort"/>.</summary>
    public List<TopRow> Update(RuntimeSnapshot now)
    {
        var before = _previous?.Processes.ToDictionary(p => p.Pid.Id, p => p.MessagesReceived);
        var seconds = _previous is null ? 0 : (now.Taken - _previous.Taken).TotalSeconds;
        var rows = now.Processes.Select(p =>
        {
            double rate = 0;
            if (before is not null && seconds > 0)
                rate = Math.Max(0, (p.MessagesReceived - (before.TryGetValue(p.Pid.Id, out var b) ? b : 0)) / seconds);
            return new TopRow(p, rate);
        }).ToList();
        _previous = now;
        return SortRows(rows, Sort);
    }

    public static List<TopRow> SortRows(IEnumerable<TopRow> rows, TopSort sort)
    {
        var byPid = rows.OrderBy(r => r.Pid.Id);
        return (sort switch
        {
            TopSort.Pid => byPid,
            TopSort.Mailbox => byPid.OrderByDescending(r => r.Process.MailboxLength),
            TopSort.Memory => byPid.OrderByDescending(r => r.Process.MemoryBytes ?? -1),
            TopSort.Rate => byPid.OrderByDescending(r => r.Rate),
            TopSort.Reductions => byPid.OrderByDescending(r => r.Process.Reductions),
            TopSort.Cpu => byPid.OrderByDescending(r => r.Process.CpuTime ?? TimeSpan.MinValue),
            _ => byPid,
        }).ToList();
    }

    private static readonly string[] Headers = ["PID", "ENTRY", "HOST", "STATE", "MAILBOX", "MEMORY", "MSGS/S", "REDUCTIONS", "CPU"];

    private static string[] Cells(TopRow r) =>
    [
        r.Pid.Id.ToString(CultureInfo.InvariantCulture),
        r.Process.Entry + (r.Process.RegisteredNames.Count > 0 ? $" ({r.Process.RegisteredNames[0]})" : ""),
        r.Process.Host,
        LiveViewJson.StateName(r.Process.State),
        r.Process.MailboxLength.ToString(CultureInfo.InvariantCulture),
        Bytes(r.Process.MemoryBytes),
        r.Rate.ToString("0.0", CultureInfo.InvariantCulture),
        r.Process.Reductions.ToString(CultureInfo.InvariantCulture),
        r.Process.CpuTime is { } cpu ? cpu.TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture) + "ms" : "-",
    ];

    internal static string Bytes(long? n) => n switch
    {
        null => "-",
        < 1024 => $"{n} B",
        < 1024 * 1024 => (n.Value / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) + " KB",
        _ => (n.Value / (1024.0 * 1024)).ToString("0.0", CultureInfo.InvariantCulture) + " MB",
    };

    private string Summary(RuntimeSnapshot s, IReadOnlyList<TopRow> rows) =>
        $"tproc top  {s.Processes.Count} processes  {rows.Sum(r => r.Rate).ToString("0.0", CultureInfo.InvariantCulture)} msgs/s  " +
        string.Join("  ", s.Hosts.Select(h => $"{h.Reference}: {h.BusyWorkers}/{h.Workers} busy, queue {h.QueueLength}")) +
        $"  sort: {Sorts.First(x => x.Sort == Sort).Name}";

    /// <summary>The terminal view: a summary line, the table (at most <paramref name="maxRows"/> rows) and the keys.</summary>
    public IRenderable Render(RuntimeSnapshot s, IReadOnlyList<TopRow> rows, int maxRows = int.MaxValue)
    {
        var table = new Table().Border(TableBorder.Simple).Expand();
        var sortedColumn = Sort switch
        {
            TopSort.Pid => 0, TopSort.Mailbox => 4, TopSort.Memory => 5, TopSort.Rate => 6, TopSort.Reductions => 7, _ => 8,
        };
        for (int i = 0; i < Headers.Length; i++)
        {
            var header = i == sortedColumn ? $"[bold underline]{Headers[i]}[/]" : $"[bold]{Headers[i]}[/]";
            var column = new TableColumn(header);
            if (i is 0 or >= 4) column.RightAligned();
            table.AddColumn(column);
        }
        foreach (var r in rows.Take(maxRows))
        {
            var cells = Cells(r).Select(Markup.Escape).ToArray();
            cells[3] = r.Process.State switch
            {
                ProcessState.Running => $"[green]{cells[3]}[/]",
                ProcessState.Runnable => $"[yellow]{cells[3]}[/]",
                ProcessState.Exiting => $"[red]{cells[3]}[/]",
                _ => cells[3],
            };
            if (r.Process.IsSupervisor) cells[1] = $"[magenta]{cells[1]}[/]";
            table.AddRow(cells);
        }
        var more = rows.Count > maxRows ? $"  ({rows.Count - maxRows} more not shown)" : "";
        return new Rows(
            new Markup(Markup.Escape(Summary(s, rows))),
            table,
            new Markup($"[grey]sort: p pid  b mailbox  m memory  s msgs/s  r reductions  c cpu    q quit{Markup.Escape(more)}[/]"));
    }

    /// <summary>The plain view (output that is not a terminal): the summary line, a header and one line per process,
    /// columns padded with spaces; a blank line ends it.</summary>
    public IEnumerable<string> Plain(RuntimeSnapshot s, IReadOnlyList<TopRow> rows)
    {
        var cells = rows.Select(Cells).ToList();
        var widths = Headers.Select((h, i) => Math.Max(h.Length, cells.Count == 0 ? 0 : cells.Max(c => c[i].Length))).ToArray();
        string Line(string[] c) => string.Join("  ", c.Select((x, i) => i is 0 or >= 4 ? x.PadLeft(widths[i]) : x.PadRight(widths[i]))).TrimEnd();
        yield return Summary(s, rows);
        yield return Line(Headers);
        foreach (var c in cells) yield return Line(c);
        yield return "";
    }
}
