// The supervised-services example: a Lua service (app:ticker_service, from app/_index.yaml) that crashes every few
// ticks and is restarted with backoff by its supervisor, and a C# service (app:journal, configured in code, so it
// starts before the Lua application's services) that monitors the ticker, logs its crashes and restarts, and stops
// the host after --restarts of them (or after --duration seconds).
//
//   dotnet run --project docs/examples/supervised-services                       # 3 restarts, then exit
//   dotnet run --project docs/examples/supervised-services -- --restarts 5 --duration 60
//   OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4317 dotnet run --project docs/examples/supervised-services
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Typed.Processes;
using Typed.Processes.Hosting;

var restarts = Option(args, "--restarts", 3);
var duration = TimeSpan.FromSeconds(Option(args, "--duration", 60));

var builder = Host.CreateApplicationBuilder(args);
builder.Logging.ClearProviders();
builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; });
builder.Logging.AddFilter("Microsoft", LogLevel.Warning);

builder.Services.AddTypedProcesses(o =>
    {
        o.LuaApps.Add("app");         // hosts, the Lua ticker and its service (bin/.../app, copied by the build)
        o.ShutdownGrace = TimeSpan.FromSeconds(2);
        // A C# service configured in code, with the manifest's lifecycle fields (Go durations).
        o.AddService("app:journal", "app:journal", "app:processes", s =>
        {
            s.Input.Add(restarts.ToString(CultureInfo.InvariantCulture));
            s.Lifecycle.StopTimeout = "2s";
            s.Lifecycle.Restart.InitialDelay = "100ms";
        });
    })
    .Configure(runtime => runtime.Entries.Add("app:journal", Journal.RunAsync));

// Traces of the runtime (spawns, error exits) on the console, and to an OTLP collector when one is configured.
builder.Services.AddOpenTelemetry()
    .ConfigureResource(r => r.AddService("supervised-services"))
    .WithTracing(tracing =>
    {
        tracing.AddTypedProcessesInstrumentation().AddConsoleExporter();
        // OTLP (gRPC on 4317 by default; OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf for 4318): enabled by the standard
        // OTEL_EXPORTER_OTLP_ENDPOINT variable, which the exporter reads itself (with OTEL_EXPORTER_OTLP_HEADERS, ...).
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT")))
            tracing.AddOtlpExporter();
    });

using var host = builder.Build();
var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
// The guard: stop after --duration even if the ticker has not crashed often enough.
using var guard = new CancellationTokenSource(duration);
using var stopOnGuard = guard.Token.Register(lifetime.StopApplication);
await host.RunAsync();
Console.WriteLine($"supervised-services: done ({Journal.Restarts} restart(s) of the ticker seen)");
return 0;

static int Option(string[] args, string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var value) && value >= 0 ? value : fallback;
}

/// <summary>
/// The journal (a C# process run as a service): registers the name <c>journal</c>, logs the ticker's ticks and
/// (re)starts, and once it has seen <c>args[0]</c> restarts asks the host to stop, which stops the services in reverse
/// order. Its logger and the host's lifetime come from its process's services (a scope of the host's).
/// </summary>
internal static partial class Journal
{
    private static int s_restarts;

    public static int Restarts => Volatile.Read(ref s_restarts);

    public static async ValueTask<object?> RunAsync(ProcessContext ctx)
    {
        var wanted = Convert.ToInt32(ctx.Args[0], CultureInfo.InvariantCulture); // the input "3" reads as a number, as in a manifest
        var log = ctx.Services.GetRequiredService<ILoggerFactory>().CreateLogger("app:journal");
        var lifetime = ctx.Services.GetRequiredService<IHostApplicationLifetime>();
        ctx.Register("journal").ThrowIfFailed();
        var up = ctx.ListenMessages("up");
        var ticks = ctx.Listen<long>("tick");
        var events = ctx.Events();
        int starts = 0;
        while (true)
        {
            var r = await ctx.Select(up.CaseReceive(), ticks.CaseReceive(), events.CaseReceive());
            if (r.Is(up, out var hello))
            {
                ctx.Monitor(hello.From!); // its Exit event tells how it ended
                if (++starts == 1) TickerUp(log, hello.From!);
                else
                {
                    Interlocked.Exchange(ref s_restarts, starts - 1);
                    TickerRestarted(log, hello.From!, starts - 1, wanted);
                    if (starts - 1 == wanted) lifetime.StopApplication();
                }
            }
            else if (r.Is(ticks, out var tick)) Tick(log, tick);
            else if (r.Is(events, out var ev))
            {
                if (ev.Kind == ProcessEventKind.Cancel) return $"journal: {starts - 1} restart(s)";
                if (ev.Kind == ProcessEventKind.Exit && ev.IsError) TickerCrashed(log, ev.From, ev.Error!);
            }
        }
    }

    // Source-generated logging: no boxing or formatting unless the level is enabled.
    [LoggerMessage(1, LogLevel.Information, "ticker up as {Pid}")]
    private static partial void TickerUp(ILogger logger, Pid pid);

    [LoggerMessage(2, LogLevel.Information, "ticker restarted by its supervisor as {Pid} (restart {Restart} of {Wanted})")]
    private static partial void TickerRestarted(ILogger logger, Pid pid, int restart, int wanted);

    [LoggerMessage(4, LogLevel.Warning, "ticker {Pid} crashed: {Error}")]
    private static partial void TickerCrashed(ILogger logger, Pid pid, string error);

    [LoggerMessage(3, LogLevel.Information, "tick {Tick}")]
    private static partial void Tick(ILogger logger, long tick);
}
