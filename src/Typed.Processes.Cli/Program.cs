using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Typed.Processes;
using Typed.Processes.Lua;

namespace Typed.Processes.Cli;

/// <summary>tproc: run a Lua application's entry, or its tests.</summary>
public static class Program
{
    private const string Usage =
        "usage:\n  tproc run <app-dir> <entry-ref> [--host <host-ref>] [--timeout <dur>] [args...]\n  tproc test <app-dir> [--timeout <dur>]";

    /// <summary>Entry point: exit code 0 success, 1 process failure, 2 bad usage or input.</summary>
    public static Task<int> Main(string[] args) => RunAsync(args, Console.Out, Console.Error);

    /// <summary>The CLI with explicit output streams (used by tests).</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length < 2 || args[0] is not ("run" or "test"))
        {
            stderr.WriteLine(Usage);
            return 2;
        }
        string? host = null;
        var timeout = TimeSpan.FromMinutes(5);
        var rest = new List<string>();
        for (int i = 1; i < args.Length; i++)
        {
            if (args[i] == "--host" && i + 1 < args.Length) host = args[++i];
            else if (args[i] == "--timeout" && i + 1 < args.Length)
            {
                if (!Duration.TryParse(args[++i], out timeout, out var error)) { stderr.WriteLine($"tproc: --timeout: {error}"); return 2; }
            }
            else rest.Add(args[i]);
        }
        var app = LuaApplication.Load(rest[0]);
        foreach (var w in app.Warnings) stderr.WriteLine("tproc: warning: " + w);
        if (app.Errors.Count > 0)
        {
            foreach (var e in app.Errors) stderr.WriteLine("tproc: " + e);
            return 2;
        }
        using var loggerFactory = new LineLoggerFactory(stdout, stderr);
        await using var runtime = new ProcessRuntime(new ProcessRuntimeOptions { LoggerFactory = loggerFactory });
        app.AddTo(runtime);
        return args[0] == "run"
            ? await RunEntry(runtime, app, rest, host, timeout, stdout, stderr)
            : await RunTests(runtime, app, host, timeout, stdout, stderr);
    }

    private static string? PickHost(ProcessRuntime runtime, string? host, TextWriter stderr)
    {
        if (host is not null)
        {
            if (runtime.Hosts.Contains(host)) return host;
            stderr.WriteLine($"tproc: unknown host '{host}' (declared: {string.Join(", ", runtime.Hosts.All.Select(h => h.Reference))})");
            return null;
        }
        var hosts = runtime.Hosts.All.ToList();
        if (hosts.Count == 1) return hosts[0].Reference;
        stderr.WriteLine(hosts.Count == 0
            ? "tproc: the application declares no process.host"
            : $"tproc: several hosts are declared ({string.Join(", ", hosts.Select(h => h.Reference))}); choose one with --host");
        return null;
    }

    private static async Task<int> RunEntry(ProcessRuntime runtime, LuaApplication app, List<string> rest, string? host, TimeSpan timeout, TextWriter stdout, TextWriter stderr)
    {
        if (rest.Count < 2) { stderr.WriteLine(Usage); return 2; }
        var entry = rest[1];
        if (!runtime.Entries.Contains(entry))
        {
            stderr.WriteLine($"tproc: unknown entry '{entry}' (declared: {string.Join(", ", app.Entries.Select(e => e.Reference))})");
            return 2;
        }
        var hostRef = PickHost(runtime, host, stderr);
        if (hostRef is null) return 2;
        var arguments = rest.Skip(2).Select(ParseArgument).ToArray();
        var exit = await RunOne(runtime, entry, hostRef, timeout, arguments);
        if (exit.Error is not null)
        {
            stderr.WriteLine($"tproc: {entry} failed: {exit.Error}");
            return 1;
        }
        stdout.WriteLine(Format(exit.Result));
        return exit.Result is false ? 1 : 0;
    }

    private static async Task<(string? Error, object? Result)> RunOne(ProcessRuntime runtime, string entry, string host, TimeSpan timeout, object?[] arguments)
    {
        var started = runtime.Start(entry, host, arguments);
        if (!started.Ok) return (started.Error, null);
        var wait = started.Value.Exit;
        if (await Task.WhenAny(wait, Task.Delay(timeout)) != wait)
        {
            runtime.Terminate(started.Value.Pid);
            return ($"timed out after {timeout.TotalSeconds:0.###}s", null);
        }
        var exit = await wait;
        return (exit.Error, exit.Result);
    }

    private static async Task<int> RunTests(ProcessRuntime runtime, LuaApplication app, string? host, TimeSpan timeout, TextWriter stdout, TextWriter stderr)
    {
        var hostRef = PickHost(runtime, host, stderr);
        if (hostRef is null) return 2;
        var tests = app.Entries.Where(e => e.Meta.TryGetValue("test", out var t) && string.Equals(t?.ToString(), "true", StringComparison.OrdinalIgnoreCase)).ToList();
        int passed = 0, failed = 0;
        foreach (var test in tests)
        {
            var sw = Stopwatch.StartNew();
            var exit = await RunOne(runtime, test.Reference, hostRef, timeout, []);
            var ok = exit.Error is null && exit.Result is not false;
            if (ok) passed++; else failed++;
            stdout.WriteLine($"{(ok ? "PASS" : "FAIL")} {test.Reference} ({sw.Elapsed.TotalMilliseconds:0} ms){(ok ? "" : ": " + (exit.Error ?? "returned false"))}");
        }
        stdout.WriteLine($"{passed} passed, {failed} failed");
        return failed == 0 ? 0 : 1;
    }

    private static object? ParseArgument(string s) =>
        long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) ? l
        : double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d
        : s == "true" ? true : s == "false" ? false : s;

    internal static string Format(object? v) => v switch
    {
        null => "nil",
        bool b => b ? "true" : "false",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        _ => Convert.ToString(v, CultureInfo.InvariantCulture) ?? "",
    };

    /// <summary>Process output (print) to stdout as "&lt;pid&gt; text"; runtime warnings to stderr.</summary>
    private sealed class LineLoggerFactory(TextWriter stdout, TextWriter stderr) : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName) => new LineLogger(categoryName == "Typed.Processes.Process" ? stdout : stderr, categoryName);
        public void AddProvider(ILoggerProvider provider) { }
        public void Dispose() { }
    }

    private sealed class LineLogger(TextWriter writer, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => category == "Typed.Processes.Process" ? logLevel >= LogLevel.Information : logLevel >= LogLevel.Warning;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            lock (writer) writer.WriteLine(formatter(state, exception));
        }
    }
}
