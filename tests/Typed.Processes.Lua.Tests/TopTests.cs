using System.Diagnostics;
using Spectre.Console.Testing;
using Typed.Processes.Cli;
using Xunit;

namespace Typed.Processes.Lua.Tests;

/// <summary>tproc top: the table (rendered with Spectre's test console), its sorting and rates, the plain-text form, the
/// command line, and the real command in a terminal (tmux).</summary>
public class TopTests
{
    internal static string LiveApp => Path.Combine(AppContext.BaseDirectory, "examples", "live-view");

    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static ProcessSnapshot P(long id, string entry, int mailbox = 0, long received = 0, long reductions = 0, long? memory = null,
        ProcessState state = ProcessState.Waiting, TimeSpan? cpu = null) =>
        new(new Pid("app:processes", entry, id), state)
        {
            MailboxLength = mailbox, MessagesReceived = received, Reductions = reductions, MemoryBytes = memory, CpuTime = cpu,
        };

    private static RuntimeSnapshot S(DateTimeOffset taken, params ProcessSnapshot[] processes) =>
        new(taken, [new HostSnapshot("app:processes", 2, 3, 1, 100)], processes);

    [Fact]
    public void The_table_shows_each_process_with_its_columns()
    {
        var view = new TopView { Sort = TopSort.Pid };
        var s = S(T0, P(1, "app:alpha", mailbox: 7, reductions: 12, memory: 2048, state: ProcessState.Running, cpu: TimeSpan.FromMilliseconds(3.5)),
            P(2, "app:beta", memory: null));
        var console = new TestConsole().Width(140);
        console.Write(view.Render(s, view.Update(s)));
        var lines = console.Lines;
        Assert.Contains(lines, l => l.Contains("2 processes", StringComparison.Ordinal) && l.Contains("app:processes: 1/2 busy, queue 3", StringComparison.Ordinal));
        var alpha = Assert.Single(lines, l => l.Contains("app:alpha", StringComparison.Ordinal));
        Assert.Equal(["1", "app:alpha", "app:processes", "running", "7", "2.0", "KB", "0.0", "12", "3.5ms"], alpha.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        var beta = Assert.Single(lines, l => l.Contains("app:beta", StringComparison.Ordinal));
        Assert.Equal(["2", "app:beta", "app:processes", "waiting", "0", "-", "0.0", "0", "-"], beta.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(lines, l => l.Contains("q quit", StringComparison.Ordinal));
    }

    [Fact]
    public void Messages_per_second_are_measured_between_two_snapshots()
    {
        var view = new TopView();
        view.Update(S(T0, P(1, "app:a", received: 10), P(2, "app:b", received: 0)));
        var rows = view.Update(S(T0.AddSeconds(2), P(1, "app:a", received: 30), P(2, "app:b", received: 1), P(3, "app:new", received: 4)));
        Assert.Equal(10.0, rows.Single(r => r.Pid.Id == 1).Rate);
        Assert.Equal(0.5, rows.Single(r => r.Pid.Id == 2).Rate);
        Assert.Equal(2.0, rows.Single(r => r.Pid.Id == 3).Rate); // new since the last snapshot: all it received counts
    }

    [Theory]
    [InlineData('p', new long[] { 1, 2, 3, 4 })]
    [InlineData('b', new long[] { 3, 1, 2, 4 })]
    [InlineData('m', new long[] { 2, 4, 1, 3 })]
    [InlineData('r', new long[] { 4, 3, 2, 1 })]
    [InlineData('c', new long[] { 1, 4, 2, 3 })]
    [InlineData('s', new long[] { 2, 1, 3, 4 })]
    public void Each_key_sorts_by_its_column_largest_first_ties_by_pid(char key, long[] order)
    {
        var view = new TopView();
        view.Update(S(T0, P(1, "app:a"), P(2, "app:b"), P(3, "app:c"), P(4, "app:d")));
        var rows = view.Update(S(T0.AddSeconds(1),
            P(1, "app:a", mailbox: 5, received: 3, reductions: 1, memory: 100, cpu: TimeSpan.FromMilliseconds(9)),
            P(2, "app:b", mailbox: 1, received: 8, reductions: 2, memory: 900, cpu: TimeSpan.FromMilliseconds(1)),
            P(3, "app:c", mailbox: 9, received: 3, reductions: 3, memory: null),
            P(4, "app:d", mailbox: 0, received: 0, reductions: 4, memory: 500, cpu: TimeSpan.FromMilliseconds(5))));
        Assert.True(TopView.TryKey(key, out var sort));
        Assert.Equal(order, TopView.SortRows(rows, sort).Select(r => r.Pid.Id));
        // The table shows them in that order too.
        view.Sort = sort;
        var console = new TestConsole().Width(140);
        console.Write(view.Render(S(T0.AddSeconds(1)), TopView.SortRows(rows, sort)));
        var shown = console.Lines.Where(l => l.Contains("app:", StringComparison.Ordinal) && !l.Contains("busy", StringComparison.Ordinal))
            .Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(order, shown);
    }

    [Fact]
    public void The_plain_form_pads_columns_and_ends_with_a_blank_line()
    {
        var view = new TopView { Sort = TopSort.Mailbox };
        var s = S(T0, P(1, "app:a", mailbox: 1), P(22, "app:longer-name", mailbox: 300, memory: 5 * 1024 * 1024));
        var lines = view.Plain(s, view.Update(s)).ToList();
        Assert.StartsWith("tproc top  2 processes", lines[0]);
        Assert.Equal("PID  ENTRY            HOST           STATE    MAILBOX  MEMORY  MSGS/S  REDUCTIONS  CPU", lines[1]);
        Assert.Equal(" 22  app:longer-name  app:processes  waiting      300  5.0 MB     0.0           0    -", lines[2]);
        Assert.Equal("  1  app:a            app:processes  waiting        1       -     0.0           0    -", lines[3]);
        Assert.Equal("", lines[^1]);
    }

    [Fact]
    public async Task Top_once_prints_the_running_application_as_plain_text()
    {
        var (code, output, err) = await CliTests.Tproc("top", LiveApp, "--once", "--interval", "300ms", "--sort", "pid");
        Assert.True(code == 0, err);
        var lines = output.Split('\n');
        Assert.StartsWith("tproc top  ", lines[0]);
        Assert.Matches(@"^ *PID  ENTRY ", lines[1]); // PIDs count across the test process: the column may be wider
        Assert.Contains(lines, l => l.Contains("demo:dispatcher (dispatcher)", StringComparison.Ordinal));
        Assert.Equal(3, lines.Count(l => l.Contains("demo:worker", StringComparison.Ordinal)));
        Assert.Contains(lines, l => l.Contains("demo:feeder", StringComparison.Ordinal));
        Assert.Equal(2, lines.Count(l => l.Contains("typed:supervisor", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("--sort", "size", "--sort: unknown column 'size' (one of: pid, mailbox, memory, msgs, reductions, cpu)")]
    [InlineData("--http", "nowhere", "--http: 'nowhere' is not host:port (e.g. 127.0.0.1:5080)")]
    [InlineData("--interval", "0s", "--interval: the duration must be positive (got '0s')")]
    [InlineData("--interval", "1ms", "--interval: '1ms' is too short (at least 100ms)")]
    public async Task Bad_options_exit_2_with_one_line(string option, string value, string message)
    {
        var (code, _, err) = await CliTests.Tproc("top", LiveApp, option, value);
        Assert.Equal(2, code);
        Assert.Equal("tproc: " + message, Assert.Single(CliTests.Lines(err)));
    }

    [Fact]
    public async Task Http_on_a_port_in_use_exits_2_with_one_line()
    {
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var address = "127.0.0.1:" + ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
        foreach (var args in new[] { new[] { "serve", LiveApp, "--http", address }, new[] { "top", LiveApp, "--once", "--http", address } })
        {
            var (code, _, err) = await CliTests.Tproc(args);
            Assert.Equal(2, code);
            Assert.StartsWith($"tproc: --http: cannot listen on {address}: ", Assert.Single(CliTests.Lines(err)));
        }
    }

    [Fact]
    public async Task Top_without_services_or_an_entry_exits_2()
    {
        using var app = new TempDir();
        app.Write("_index.yaml", ManifestTests.HostYaml);
        var (code, _, err) = await CliTests.Tproc("top", app.Path, "--once");
        Assert.Equal(2, code);
        Assert.Contains("declares no auto_start process.service, and no entry was given", Assert.Single(CliTests.Lines(err)));
    }
}

/// <summary>The real <c>tproc top</c> in a terminal: tmux runs it, capture-pane reads the screen, send-keys types.</summary>
public sealed class TopTerminalTests : IDisposable
{
    private readonly string _session = "tproc-top-" + Guid.NewGuid().ToString("N")[..12];
    private readonly string _done = Path.Combine(Path.GetTempPath(), "tproc-top-" + Guid.NewGuid().ToString("N") + ".exit");

    internal static string Tmux(params string[] args)
    {
        var info = new ProcessStartInfo("tmux") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var p = Process.Start(info) ?? throw new InvalidOperationException("cannot start tmux");
        var output = p.StandardOutput.ReadToEnd();
        var error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"tmux {string.Join(' ', args)}: {error.Trim()}");
        return output;
    }

    private async Task<string> Screen(Func<string, bool> until, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        string screen = "";
        while (DateTime.UtcNow < deadline)
        {
            screen = Tmux("capture-pane", "-p", "-t", _session);
            if (until(screen)) return screen;
            await Task.Delay(100);
        }
        Assert.Fail($"the terminal never showed {what}; it shows:\n{screen}");
        return screen;
    }

    [Fact]
    public async Task Top_in_a_terminal_shows_the_running_processes_sorts_on_a_key_and_quits_on_q()
    {
        if (OperatingSystem.IsWindows()) return;
        Assert.True(File.Exists("/usr/bin/tmux") || File.Exists("/bin/tmux"), "tmux is missing: install Debian's tmux package");
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        var tproc = Path.Combine(AppContext.BaseDirectory, "tproc.dll");
        // The shell writes tproc's exit code to a file once it ends (then the pane stays until Dispose kills it).
        var command = $"'{dotnet}' '{tproc}' top '{TopTests.LiveApp}' --interval 300ms; echo $? > '{_done}'; sleep 600";
        Tmux("new-session", "-d", "-s", _session, "-x", "140", "-y", "40", command);
        var screen = await Screen(s => s.Contains("demo:dispatcher", StringComparison.Ordinal) && s.Contains("demo:feeder", StringComparison.Ordinal)
            && s.Split('\n').Count(l => l.Contains("demo:worker", StringComparison.Ordinal)) == 3, "the application's processes");
        Assert.Contains("sort: reductions", screen);
        Assert.Contains("PID", screen);
        Tmux("send-keys", "-t", _session, "p");
        screen = await Screen(s => s.Contains("sort: pid", StringComparison.Ordinal), "the pid sort after 'p'");
        var pids = screen.Split('\n').Where(l => l.Contains("demo:processes", StringComparison.Ordinal) && !l.Contains("busy", StringComparison.Ordinal))
            .Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(7, pids.Count);
        Assert.Equal(pids.Order(), pids);
        Tmux("send-keys", "-t", _session, "q");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!File.Exists(_done) || (await File.ReadAllTextAsync(_done)).Length == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "tproc top did not exit after 'q'");
            await Task.Delay(100);
        }
        Assert.Equal("0", (await File.ReadAllTextAsync(_done)).Trim());
    }

    public void Dispose()
    {
        try { Tmux("kill-session", "-t", _session); } catch (InvalidOperationException) { } // already gone
        try { File.Delete(_done); } catch (IOException) { }
    }
}
