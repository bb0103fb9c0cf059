using System.Runtime.InteropServices;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Spectre.Console;
using Typed.Processes.LiveView;

namespace Typed.Processes.Cli;

/// <summary><c>tproc top</c> and the <c>--http</c> live-view server of <c>serve</c> and <c>top</c>.</summary>
internal static class LiveCommands
{
    internal static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(1);
    internal static readonly TimeSpan MaxInterval = TimeSpan.FromHours(1);

    /// <summary>The shortest refresh: below it a refresh loop is a busy loop (timers round tiny delays to 0) and the
    /// messages/s span too short to mean anything.</summary>
    internal static readonly TimeSpan MinInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>Checks an <c>--http</c> address (<c>host:port</c>, port 0 for any free one); null if it is fine.</summary>
    internal static string? CheckAddress(string address)
    {
        if (string.IsNullOrWhiteSpace(address) || address.Contains('/', StringComparison.Ordinal) ||
            !Uri.TryCreate("http://" + address, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host) ||
            !address.AsSpan(address.LastIndexOf(':') + 1).ToString().All(char.IsAsciiDigit) || !address.Contains(':', StringComparison.Ordinal) ||
            address.EndsWith(':'))
            return $"--http: '{address}' is not host:port (e.g. 127.0.0.1:5080)";
        return null;
    }

    /// <summary>
    /// Starts the live view (<see cref="LiveViewEndpointRouteBuilderExtensions.MapTypedProcessesLiveView(Microsoft.AspNetCore.Routing.IEndpointRouteBuilder, string, ProcessRuntime)"/>
    /// at <c>/processes</c>, with <c>/</c> redirecting there) on <paramref name="address"/>; writes its URL to stderr.
    /// Null (and one line on stderr) if it cannot listen there.
    /// </summary>
    internal static async Task<WebApplication?> StartHttpAsync(string address, ProcessRuntime runtime, TextWriter stderr)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        // tproc handles SIGINT/SIGTERM itself (Interrupt): the host's console lifetime would take them over.
        builder.Services.AddSingleton<IHostLifetime, SignalFreeLifetime>();
        builder.WebHost.UseUrls("http://" + address);
        var app = builder.Build();
        app.MapTypedProcessesLiveView("/processes", runtime);
        app.MapGet("/", static () => Results.Redirect("/processes"));
        try
        {
            await app.StartAsync();
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or System.Net.Sockets.SocketException)
        {
            stderr.WriteLine($"tproc: --http: cannot listen on {address}: {ex.Message.ReplaceLineEndings(" ")}");
            await app.DisposeAsync();
            return null;
        }
        stderr.WriteLine($"tproc: live view at {app.Urls.First()}/processes");
        return app;
    }

    /// <summary>A host lifetime that leaves the process's signals alone.</summary>
    private sealed class SignalFreeLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>The options of <c>top</c> after parsing.</summary>
    internal sealed record TopOptions(TimeSpan Interval, TopSort Sort, bool Once, string? Http);

    /// <summary>
    /// Shows the table until q, Ctrl+C (SIGINT) or SIGTERM: live in a terminal (keys change the sort), or as plain text
    /// blocks every interval otherwise (<paramref name="once"/>: one block, after one interval so that rates are measured).
    /// </summary>
    internal static async Task<int> ShowAsync(ProcessRuntime runtime, TopOptions options, TextWriter stdout, Task<PosixSignal> interrupted)
    {
        var view = new TopView { Sort = options.Sort };
        bool terminal = ReferenceEquals(stdout, Console.Out) && !Console.IsOutputRedirected && !Console.IsInputRedirected && !options.Once;
        view.Update(runtime.Inspect()); // the baseline for the first rates
        if (!terminal)
        {
            while (true)
            {
                var woke = await Task.WhenAny(Task.Delay(options.Interval), interrupted);
                if (woke == interrupted) return 0;
                var s = runtime.Inspect();
                foreach (var line in view.Plain(s, view.Update(s))) stdout.WriteLine(line);
                stdout.Flush();
                if (options.Once) return 0;
            }
        }
        var keys = Channel.CreateUnbounded<char>();
        using var stop = new CancellationTokenSource();
        var reader = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                if (!Console.KeyAvailable) { Thread.Sleep(50); continue; } // no blocking ReadKey: it could not be stopped
                keys.Writer.TryWrite(Console.ReadKey(intercept: true).KeyChar);
            }
        });
        var console = AnsiConsole.Console;
        int MaxRows() => Math.Max(3, (Console.IsOutputRedirected ? 40 : Console.WindowHeight) - 8);
        try
        {
            var last = runtime.Inspect();
            var rows = view.Update(last);
            await console.Live(view.Render(last, rows, MaxRows())).AutoClear(false).StartAsync(async ctx =>
            {
                while (true)
                {
                    using var tick = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
                    var delay = Task.Delay(options.Interval, tick.Token);
                    var key = keys.Reader.ReadAsync(tick.Token).AsTask();
                    var woke = await Task.WhenAny(delay, key, interrupted);
                    tick.Cancel();
                    if (woke == interrupted) return;
                    if (woke == key)
                    {
                        if (!key.IsCompletedSuccessfully) continue;
                        var c = key.Result;
                        if (c is 'q' or 'Q') return;
                        if (!TopView.TryKey(c, out var sort)) continue;
                        // A new sort re-sorts the rows shown (the rates keep their interval).
                        view.Sort = sort;
                        rows = TopView.SortRows(rows, sort);
                    }
                    else
                    {
                        last = runtime.Inspect();
                        rows = view.Update(last);
                    }
                    ctx.UpdateTarget(view.Render(last, rows, MaxRows()));
                    ctx.Refresh();
                }
            });
        }
        finally
        {
            stop.Cancel();
            await reader;
        }
        return 0;
    }
}
