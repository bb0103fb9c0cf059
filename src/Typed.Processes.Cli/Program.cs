using System.CommandLine;
using System.CommandLine.Parsing;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Extensions.Logging;
using Typed.Processes;
using Typed.Processes.Lua;

namespace Typed.Processes.Cli;

/// <summary>tproc: run a Lua application's entry, or its tests.</summary>
internal static class Program
{
    // Task.Delay and the runtime's timers take at most ~49.7 days; 30 days is far beyond any test or batch run and
    // leaves a clear message (not an ArgumentOutOfRangeException) for typos such as 100000h.
    internal static readonly TimeSpan MaxTimeout = TimeSpan.FromDays(30);
    internal static readonly TimeSpan MaxGrace = TimeSpan.FromHours(1);
    internal static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(5);
    internal static readonly TimeSpan DefaultGrace = TimeSpan.FromSeconds(5);

    /// <summary>Entry point: exit code 0 success, 1 process failure, 2 bad usage or input, 130/143 interrupted by SIGINT/SIGTERM.</summary>
    public static async Task<int> Main(string[] args)
    {
        // Results and print lines are UTF-8 text (Lua strings are bytes; the runtime decodes them as UTF-8): write
        // them as UTF-8 whatever the locale says (no BOM: it would be the first bytes of the output).
        var utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
        try { Console.OutputEncoding = utf8; Console.InputEncoding = utf8; }
        catch (Exception ex) when (ex is IOException or PlatformNotSupportedException or System.Security.SecurityException) { }
        using var interrupt = Interrupt.FromSignals();
        return await RunAsync(args, Console.Out, Console.Error, interrupt);
    }

    /// <summary>The CLI with explicit output streams (used by tests); never throws.</summary>
    public static Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr) => RunAsync(args, stdout, stderr, null);

    internal static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, Interrupt? interrupt)
    {
        try
        {
            var root = BuildCommand(stdout, stderr, interrupt);
            // Entry arguments are passed as given: no @response-file expansion (an argument "@alice" is a string, not
            // a file to read) and no bundling of short options.
            var parsed = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null, EnablePosixBundling = false });
            if (parsed.Errors.Count > 0 && parsed.Action is not { ClearsParseErrors: true })
            {
                // One line per problem and no usage dump: a script calling tproc wants the reason, not the manual.
                foreach (var line in parsed.Errors.Select(e => e.Message).Distinct()) stderr.WriteLine("tproc: " + OneLine(line));
                if (args.Length == 0) stderr.WriteLine("tproc: see 'tproc --help'");
                return 2;
            }
            return await parsed.InvokeAsync(new InvocationConfiguration
            {
                Output = stdout,
                Error = stderr,
                EnableDefaultExceptionHandler = false,
                ProcessTerminationTimeout = null,
            });
        }
        catch (Exception ex)
        {
            stderr.WriteLine($"tproc: internal error: {ex.GetType().Name}: {OneLine(LuaApplication.SafeMessage(ex))}");
            return 1;
        }
    }

    private static RootCommand BuildCommand(TextWriter stdout, TextWriter stderr, Interrupt? interrupt)
    {
        var host = new Option<string?>("--host") { Description = "The host to run on (required if the application declares several).", HelpName = "host-ref" };
        var timeout = DurationOption("--timeout", "Ends the entry (or each test) after this long (Go-style: 30s, 1m30s, 2h).", DefaultTimeout, MaxTimeout);
        var grace = DurationOption("--grace", "On SIGINT/SIGTERM, how long running processes get to act on their CANCEL event.", DefaultGrace, MaxGrace);
        var appDir = new Argument<string>("app-dir") { Description = "The application folder (every _index.yaml under it is loaded)." };
        var entry = new Argument<string>("entry-ref") { Description = "The entry to run, namespace:name." };
        var entryArgs = new Argument<string[]>("args")
        {
            Description = "Arguments passed to the entry's main (integers, numbers, true/false converted; the rest strings). Put them after -- if one starts with '-'.",
            Arity = ArgumentArity.ZeroOrMore,
        };

        var run = new Command("run", "Run an entry and print its result.") { appDir, entry, entryArgs, host, timeout, grace };
        run.SetAction((parsed, _) => Execute(parsed.GetValue(appDir)!, parsed.GetValue(entry), parsed.GetValue(entryArgs) ?? [],
            parsed.GetValue(host), parsed.GetValue(timeout) ?? DefaultTimeout, parsed.GetValue(grace) ?? DefaultGrace, stdout, stderr, interrupt));

        var testDir = new Argument<string>("app-dir") { Description = "The application folder." };
        var test = new Command("test", "Run every entry whose meta.test is true (or, as in Wippy, whose meta.type is test).") { testDir, host, timeout, grace };
        test.SetAction((parsed, _) => Execute(parsed.GetValue(testDir)!, null, [],
            parsed.GetValue(host), parsed.GetValue(timeout) ?? DefaultTimeout, parsed.GetValue(grace) ?? DefaultGrace, stdout, stderr, interrupt));

        var serveDir = new Argument<string>("app-dir") { Description = "The application folder." };
        var http = new Option<string?>("--http")
        {
            Description = "Also serve the live view (a page with the process tree, and its JSON) at http://<address>/processes; port 0 picks a free port.",
            HelpName = "host:port",
        };
        http.Validators.Add(result =>
        {
            if (result.Tokens.Count == 1 && LiveCommands.CheckAddress(result.Tokens[0].Value) is { } error) result.AddError(error);
        });
        var serve = new Command("serve", "Run the application's auto_start services (process.service) until SIGINT/SIGTERM, then stop them in reverse order and exit 0.") { serveDir, grace, http };
        serve.SetAction((parsed, _) => Serve(parsed.GetValue(serveDir)!, parsed.GetValue(grace) ?? DefaultGrace, parsed.GetValue(http), stdout, stderr, interrupt));

        var topDir = new Argument<string>("app-dir") { Description = "The application folder." };
        var topEntry = new Argument<string?>("entry-ref") { Description = "An entry to run besides the services (optional).", Arity = ArgumentArity.ZeroOrOne };
        var topArgs = new Argument<string[]>("args") { Description = "Arguments passed to the entry's main.", Arity = ArgumentArity.ZeroOrMore };
        var interval = DurationOption("--interval", "How often the table refreshes (and the span messages/s is measured over).", LiveCommands.DefaultInterval, LiveCommands.MaxInterval, LiveCommands.MinInterval);
        var sortNames = string.Join(", ", TopView.Sorts.Select(s => s.Name));
        var sort = new Option<string?>("--sort") { Description = $"The column to sort by: {sortNames}. Default reductions; keys change it while it runs.", HelpName = "column" };
        sort.Validators.Add(result =>
        {
            if (result.Tokens.Count == 1 && !TopView.TryName(result.Tokens[0].Value, out _))
                result.AddError($"--sort: unknown column '{result.Tokens[0].Value}' (one of: {sortNames})");
        });
        var once = new Option<bool>("--once") { Description = "Print the table once, as plain text, after one interval, and exit." };
        var top = new Command("top", "Run the application's auto_start services (and an entry, if given) and show a live table of its processes " +
            "(PID, entry, host, state, mailbox, memory, messages/s, reductions, CPU): keys p b m s r c sort, q quits. " +
            "When the output is not a terminal, prints the table as plain text every interval.")
            { topDir, topEntry, topArgs, host, interval, sort, once, http, grace };
        top.SetAction((parsed, _) =>
        {
            TopView.TryName(parsed.GetValue(sort) ?? "reductions", out var sortBy);
            var options = new LiveCommands.TopOptions(parsed.GetValue(interval) ?? LiveCommands.DefaultInterval, sortBy, parsed.GetValue(once), parsed.GetValue(http));
            return Top(parsed.GetValue(topDir)!, parsed.GetValue(topEntry), parsed.GetValue(topArgs) ?? [], parsed.GetValue(host), options,
                parsed.GetValue(grace) ?? DefaultGrace, stdout, stderr, interrupt);
        });

        var root = new RootCommand("tproc: runs Typed.Processes Lua applications.\n" +
            "Exit codes: 0 success; 1 the entry failed, returned false or timed out, a test failed, or a service could not start; 2 bad command line or application; " +
            "130/143 interrupted by SIGINT/SIGTERM (serve, top: 0).") { run, test, serve, top };
        root.Directives.Clear(); // [suggest]/[diagram] before the command would be read as directives, not as input
        return root;
    }

    // No DefaultValueFactory: help would print the default as 00:05:00; the description gives it in the option's own syntax.
    private static Option<TimeSpan?> DurationOption(string name, string description, TimeSpan defaultValue, TimeSpan max, TimeSpan? min = null) => new(name)
    {
        Description = $"{description} Default {FormatDuration(defaultValue)}, " + (min is { } least ? $"at least {FormatDuration(least)}, " : "") + $"at most {FormatDuration(max)}.",
        HelpName = "duration",
        CustomParser = result =>
        {
            var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : null;
            if (!Duration.TryParse(text, out var value, out var error)) result.AddError($"{name}: {error}");
            else if (value <= TimeSpan.Zero) result.AddError($"{name}: the duration must be positive (got '{text}')");
            else if (min is { } least && value < least) result.AddError($"{name}: '{text}' is too short (at least {FormatDuration(least)})");
            else if (value > max) result.AddError($"{name}: '{text}' is too long (at most {FormatDuration(max)})");
            return value;
        },
    };

    /// <summary>Loads the application, printing its warnings; null, after printing its errors, when it has any.</summary>
    private static LuaApplication? LoadApp(string dir, TextWriter stderr)
    {
        var app = LuaApplication.Load(dir);
        foreach (var w in app.Warnings) stderr.WriteLine("tproc: warning: " + OneLine(w));
        if (app.Errors.Count == 0) return app;
        foreach (var e in app.Errors) stderr.WriteLine("tproc: " + OneLine(e));
        return null;
    }

    /// <summary>Adds the application's hosts and entries to the runtime; false, after one line, when the runtime refuses them.</summary>
    private static bool AddApp(LuaApplication app, ProcessRuntime runtime, TextWriter stderr)
    {
        try
        {
            app.AddTo(runtime);
            return true;
        }
        catch (Exception ex) when (ex is ArgumentException or ProcessException)
        {
            stderr.WriteLine("tproc: " + OneLine(ex.Message));
            return false;
        }
    }

    private static async Task<int> Execute(string dir, string? entry, string[] arguments, string? host, TimeSpan timeout, TimeSpan grace,
        TextWriter stdout, TextWriter stderr, Interrupt? interrupt)
    {
        if (LoadApp(dir, stderr) is not { } app) return 2;
        using var loggerFactory = new LineLoggerFactory(stdout, stderr);
        await using var runtime = new ProcessRuntime(new ProcessRuntimeOptions { LoggerFactory = loggerFactory });
        if (!AddApp(app, runtime, stderr)) return 2;
        var session = new Session(runtime, timeout, grace, stderr, interrupt?.Signal ?? new TaskCompletionSource<PosixSignal>().Task);
        if (entry is null) return await RunTests(session, app, host, stdout, stderr);
        // `run` starts the auto_start services first (in requires order); the runtime's disposal stops them.
        if (await StartServices(app, runtime, stderr) is { Services: null } failed) return failed.Exit;
        return await RunEntry(session, app, entry, arguments, host, stdout, stderr);
    }

    /// <summary>Starts the auto_start services, or writes one line per problem and returns the exit code: 2 for an
    /// application error (unknown process or host), 1 for a service that failed to start.</summary>
    private static async Task<(RunningServices? Services, int Exit)> StartServices(LuaApplication app, ProcessRuntime runtime, TextWriter stderr)
    {
        bool ok = true;
        foreach (var service in app.Services.Where(s => s.AutoStart))
        {
            if (!runtime.Entries.Contains(service.Process))
            {
                stderr.WriteLine($"tproc: {OneLine(service.File)}:{service.Line}: service '{service.Reference}': unknown process '{service.Process}'");
                ok = false;
            }
            if (!runtime.Hosts.Contains(service.Host))
            {
                stderr.WriteLine($"tproc: {OneLine(service.File)}:{service.Line}: service '{service.Reference}': unknown host '{service.Host}'");
                ok = false;
            }
        }
        if (!ok) return (null, 2);
        var started = await app.StartServicesAsync(runtime);
        if (started.TryGetValue(out var services)) return (services, 0);
        stderr.WriteLine("tproc: " + OneLine(started.Error!));
        return (null, 1);
    }

    private static async Task<int> Serve(string dir, TimeSpan grace, string? http, TextWriter stdout, TextWriter stderr, Interrupt? interrupt)
    {
        if (LoadApp(dir, stderr) is not { } app) return 2;
        if (!app.Services.Any(s => s.AutoStart))
        {
            stderr.WriteLine($"tproc: '{OneLine(dir)}' declares no auto_start process.service to serve");
            return 2;
        }
        using var loggerFactory = new LineLoggerFactory(stdout, stderr);
        await using var runtime = new ProcessRuntime(new ProcessRuntimeOptions { LoggerFactory = loggerFactory });
        if (!AddApp(app, runtime, stderr)) return 2;
        var (services, exit) = await StartServices(app, runtime, stderr);
        if (services is null) return exit;
        await using var web = http is null ? null : await LiveCommands.StartHttpAsync(http, runtime, stderr);
        if (http is not null && web is null)
        {
            await services.StopAsync();
            return 2;
        }
        stderr.WriteLine($"tproc: serving {services.Services.Count} service(s): {string.Join(", ", services.Services.Select(s => s.Reference))}");
        var signal = await (interrupt?.Signal ?? new TaskCompletionSource<PosixSignal>().Task);
        // Graceful: the services stop in the reverse of their start order (each cancelled, then terminated after its
        // stop_timeout); then whatever else still runs gets the grace period.
        await services.StopAsync();
        await runtime.ShutdownAsync(grace);
        stderr.WriteLine($"tproc: stopped {services.Services.Count} service(s) ({Interrupt.Name(signal)})");
        return 0;
    }

    private static async Task<int> Top(string dir, string? entry, string[] arguments, string? host, LiveCommands.TopOptions options, TimeSpan grace,
        TextWriter stdout, TextWriter stderr, Interrupt? interrupt)
    {
        if (LoadApp(dir, stderr) is not { } app) return 2;
        if (entry is null && !app.Services.Any(s => s.AutoStart))
        {
            stderr.WriteLine($"tproc: '{OneLine(dir)}' declares no auto_start process.service, and no entry was given to run");
            return 2;
        }
        // Process output (print) would scroll the table away: top drops it; runtime warnings go to stderr only when the
        // table is plain text.
        bool plain = !ReferenceEquals(stdout, Console.Out) || Console.IsOutputRedirected || options.Once;
        using var loggerFactory = new LineLoggerFactory(TextWriter.Null, plain ? stderr : TextWriter.Null);
        await using var runtime = new ProcessRuntime(new ProcessRuntimeOptions { LoggerFactory = loggerFactory });
        if (!AddApp(app, runtime, stderr)) return 2;
        if (entry is not null && !runtime.Entries.Contains(entry))
        {
            stderr.WriteLine($"tproc: unknown entry '{OneLine(entry)}' (declared: {string.Join(", ", app.Entries.Select(e => e.Reference))})");
            return 2;
        }
        var (services, exit) = await StartServices(app, runtime, stderr);
        if (services is null) return exit;
        if (entry is not null)
        {
            var hostRef = PickHost(runtime, host, stderr);
            if (hostRef is null) return 2;
            var started = runtime.Start(entry, hostRef, arguments.Select(ParseArgument).ToArray());
            if (!started.Ok)
            {
                stderr.WriteLine($"tproc: {entry} failed: {OneLine(started.Error!)}");
                return 1;
            }
        }
        await using var web = options.Http is null ? null : await LiveCommands.StartHttpAsync(options.Http, runtime, stderr);
        if (options.Http is not null && web is null) return 2;
        var code = await LiveCommands.ShowAsync(runtime, options, stdout, interrupt?.Signal ?? new TaskCompletionSource<PosixSignal>().Task);
        await services.StopAsync();
        await runtime.ShutdownAsync(grace);
        return code;
    }

    private static string? PickHost(ProcessRuntime runtime, string? host, TextWriter stderr)
    {
        if (host is not null)
        {
            if (runtime.Hosts.Contains(host)) return host;
            stderr.WriteLine($"tproc: unknown host '{host}' (declared: {string.Join(", ", runtime.Hosts.All.Select(h => h.Reference).Order(StringComparer.Ordinal))})");
            return null;
        }
        var hosts = runtime.Hosts.All.OrderBy(h => h.Reference, StringComparer.Ordinal).ToList();
        if (hosts.Count == 1) return hosts[0].Reference;
        stderr.WriteLine(hosts.Count == 0
            ? "tproc: the application declares no process.host"
            : $"tproc: several hosts are declared ({string.Join(", ", hosts.Select(h => h.Reference))}); choose one with --host");
        return null;
    }

    private static async Task<int> RunEntry(Session session, LuaApplication app, string entry, string[] args, string? host, TextWriter stdout, TextWriter stderr)
    {
        if (!session.Runtime.Entries.Contains(entry))
        {
            stderr.WriteLine($"tproc: unknown entry '{OneLine(entry)}' (declared: {string.Join(", ", app.Entries.Select(e => e.Reference))})");
            return 2;
        }
        var hostRef = PickHost(session.Runtime, host, stderr);
        if (hostRef is null) return 2;
        var outcome = await session.RunOne(entry, hostRef, args.Select(ParseArgument).ToArray());
        if (outcome.Interrupted is { } code) return code;
        if (outcome.Error is not null)
        {
            stderr.WriteLine($"tproc: {entry} failed: {OneLine(outcome.Error)}");
            return 1;
        }
        stdout.WriteLine(Format(outcome.Result));
        return outcome.Result is false ? 1 : 0;
    }

    /// <summary>A test entry: <c>meta.test: true</c> (ours) or <c>meta.type: test</c> (Wippy's).</summary>
    private static bool IsTest(LuaEntry entry) =>
        (entry.Meta.TryGetValue("test", out var test) && string.Equals(test?.ToString(), "true", StringComparison.OrdinalIgnoreCase)) ||
        (entry.Meta.TryGetValue("type", out var type) && string.Equals(type?.ToString(), "test", StringComparison.Ordinal));

    private static async Task<int> RunTests(Session session, LuaApplication app, string? host, TextWriter stdout, TextWriter stderr)
    {
        var hostRef = PickHost(session.Runtime, host, stderr);
        if (hostRef is null) return 2;
        var tests = app.Entries.Where(IsTest).ToList();
        int passed = 0, failed = 0;
        foreach (var test in tests)
        {
            var sw = Stopwatch.StartNew();
            var outcome = await session.RunOne(test.Reference, hostRef, []);
            if (outcome.Interrupted is { } code) return code;
            var ok = outcome.Error is null && outcome.Result is not false;
            if (ok) passed++; else failed++;
            stdout.WriteLine($"{(ok ? "PASS" : "FAIL")} {test.Reference} ({sw.Elapsed.TotalMilliseconds:0} ms){(ok ? "" : ": " + OneLine(outcome.Error ?? "returned false"))}");
        }
        stdout.WriteLine($"{passed} passed, {failed} failed");
        return failed == 0 ? 0 : 1;
    }

    /// <summary>One run of the CLI: the runtime, the limits, and the interrupt that ends it early.</summary>
    private sealed class Session(ProcessRuntime runtime, TimeSpan timeout, TimeSpan grace, TextWriter stderr, Task<PosixSignal> interrupted)
    {
        public ProcessRuntime Runtime => runtime;

        public async Task<(string? Error, object? Result, int? Interrupted)> RunOne(string entry, string host, object?[] arguments)
        {
            var started = runtime.Start(entry, host, arguments);
            if (!started.Ok) return (started.Error, null, null);
            var wait = started.Value.Exit;
            using var stopDelay = new CancellationTokenSource();
            var delay = Task.Delay(timeout, stopDelay.Token);
            var first = await Task.WhenAny(wait, delay, interrupted);
            stopDelay.Cancel();
            if (first == interrupted) return (null, null, await Shutdown(await interrupted));
            if (first != wait)
            {
                runtime.Terminate(started.Value.Pid);
                return ($"timed out after {FormatDuration(timeout)}", null, null);
            }
            var exit = await wait;
            return (exit.Error, exit.Result, null);
        }

        private async Task<int> Shutdown(PosixSignal signal)
        {
            // ShutdownAsync sends every live process a CANCEL with the grace period as its deadline, waits for them
            // up to it, then terminates the rest; a second signal meanwhile exits at once (see Interrupt).
            var report = await runtime.ShutdownAsync(grace);
            var n = report.Running.Count;
            stderr.WriteLine($"tproc: interrupted ({Interrupt.Name(signal)}): cancelled {n} process{(n == 1 ? "" : "es")}");
            return Interrupt.ExitCode(signal);
        }
    }

    internal static string FormatDuration(TimeSpan t) =>
        t.Ticks % TimeSpan.TicksPerHour == 0 ? $"{(long)t.TotalHours}h"
        : t.Ticks % TimeSpan.TicksPerMinute == 0 ? $"{(long)t.TotalMinutes}m"
        : t.Ticks % TimeSpan.TicksPerSecond == 0 ? $"{(long)t.TotalSeconds}s"
        : $"{t.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture)}ms";

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

    // Every stderr line starts with "tproc:"; messages quoting user input (a path, a bad value) must not break that.
    private static string OneLine(string s) => s.ReplaceLineEndings(" ");

    /// <summary>Process output (print) to stdout as "&lt;pid&gt; text"; runtime warnings to stderr.</summary>
    private sealed class LineLoggerFactory(TextWriter stdout, TextWriter stderr) : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName) => categoryName == "Typed.Processes.Process"
            ? new LineLogger(stdout, "", LogLevel.Information)
            : new LineLogger(stderr, "tproc: ", LogLevel.Warning);
        public void AddProvider(ILoggerProvider provider) { }
        public void Dispose() { }
    }

    private sealed class LineLogger(TextWriter writer, string prefix, LogLevel minimum) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            var text = formatter(state, exception);
            lock (writer) writer.WriteLine(prefix.Length == 0 ? text : prefix + OneLine(text));
        }
    }
}

/// <summary>SIGINT/SIGTERM: the first one is reported through <see cref="Signal"/>; a second one exits the process at once.</summary>
internal sealed class Interrupt : IDisposable
{
    private readonly TaskCompletionSource<PosixSignal> _first = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<PosixSignalRegistration> _registrations = [];
    private int _count;

    /// <summary>Completes with the first signal received.</summary>
    public Task<PosixSignal> Signal => _first.Task;

    /// <summary>128 + the signal number, as shells report a process ended by that signal.</summary>
    public static int ExitCode(PosixSignal signal) => signal == PosixSignal.SIGINT ? 130 : 143;

    /// <summary>The signal's name in messages (only SIGINT and SIGTERM are handled).</summary>
    public static string Name(PosixSignal signal) => signal == PosixSignal.SIGINT ? "SIGINT" : "SIGTERM";

    public static Interrupt FromSignals()
    {
        var interrupt = new Interrupt();
        try
        {
            interrupt._registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, interrupt.Handle));
            interrupt._registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, interrupt.Handle));
        }
        catch (PlatformNotSupportedException) { }
        return interrupt;
    }

    private void Handle(PosixSignalContext context)
    {
        if (Interlocked.Increment(ref _count) == 1)
        {
            // Keep the process alive: the CLI cancels its processes, waits up to --grace, then exits by itself.
            context.Cancel = true;
            _first.TrySetResult(context.Signal);
            return;
        }
        // Second signal: the user wants out now, without waiting for the grace period.
        context.Cancel = true;
        Console.Error.WriteLine($"tproc: {Name(context.Signal)} again: exiting now");
        Environment.Exit(ExitCode(context.Signal));
    }

    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
    }
}
