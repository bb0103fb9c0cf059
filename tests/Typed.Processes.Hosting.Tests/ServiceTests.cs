using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Typed.Processes.Tests;
using static Typed.Processes.Hosting.Tests.TestHost;

namespace Typed.Processes.Hosting.Tests;

/// <summary>Supervised services (process.service) started and stopped by the hosted service.</summary>
public class ServiceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A C# entry for services: says "up NAME" when it runs and "down NAME" when it gets its Cancel.</summary>
    private sealed class Recorder
    {
        public ConcurrentQueue<string> Log { get; } = new();

        private readonly ConcurrentDictionary<string, TaskCompletionSource<object?[]>> _up = new(StringComparer.Ordinal);

        public Task<object?[]> Up(string name) => _up.GetOrAdd(name, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

        public void Add(ProcessRuntime runtime) => runtime.Entries.Add("svc:recorder", async ctx =>
        {
            var name = (string)ctx.Args[0]!;
            Log.Enqueue("up " + name);
            _up.GetOrAdd(name, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult([.. ctx.Args]);
            var ev = await ctx.Events().ReceiveAsync();
            Log.Enqueue("down " + name);
            return ev.Kind.ToString();
        });
    }

    [Fact]
    public async Task A_Lua_applications_auto_start_services_start_with_the_host_and_stop_in_reverse_order()
    {
        var recorder = new Recorder();
        using var host = Build(b => b.Services.AddTypedProcesses(o => o.LuaApps.Add("svcapp")).Configure(recorder.Add));
        await host.StartAsync(Ct);
        await Task.WhenAll(recorder.Up("db"), recorder.Up("web")).WaitAsync(Guard, Ct);
        Assert.False(recorder.Up("manual").IsCompleted); // auto_start: false
        await host.StopAsync(Ct);
        // web requires db: web is stopped (and has ended) before db gets its Cancel.
        Assert.Equal(["down web", "down db"], recorder.Log.Where(l => l.StartsWith("down", StringComparison.Ordinal)));
        Assert.DoesNotContain("up manual", recorder.Log);
    }

    [Fact]
    public async Task Services_from_configuration_and_code_use_the_manifest_field_names_and_start_in_requires_order()
    {
        // Wippy's field names, Go durations; the code's service requires the configured one.
        const string json = """
            {
              "TypedProcesses": {
                "Hosts": { "app:h": { "Workers": 2 } },
                "Services": {
                  "cfg:db": {
                    "process": "svc:recorder",
                    "host": "app:h",
                    "input": [ "db", "42", "true" ],
                    "lifecycle": {
                      "start_timeout": "3s",
                      "stop_timeout": "30s",
                      "stable_threshold": "1m30s",
                      "restart": { "initial_delay": "250ms", "max_delay": "1m", "backoff_factor": 3, "jitter": 0.25, "max_attempts": 4 }
                    }
                  }
                }
              }
            }
            """;
        var recorder = new Recorder();
        using var host = Build(b =>
        {
            b.Configuration.AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json)));
            b.Services.AddTypedProcesses(o => o.AddService("cfg:web", "svc:recorder", "app:h", s =>
            {
                s.Input.Add("web");
                s.Lifecycle.Requires.Add("cfg:db");
                s.Lifecycle.StopTimeout = "30s";
            })).Configure(recorder.Add);
        });
        await host.StartAsync(Ct);
        var args = await recorder.Up("db").WaitAsync(Guard, Ct);
        Assert.Equal(["db", 42L, true], args); // input values read as a manifest's
        await recorder.Up("web").WaitAsync(Guard, Ct);

        var db = host.Services.GetRequiredService<HostedServices>().Running.SelectMany(r => r.Services).Single(s => s.Reference == "cfg:db");
        Assert.Equal(TimeSpan.FromSeconds(3), db.StartTimeout);
        Assert.Equal(TimeSpan.FromSeconds(30), db.StopTimeout);
        Assert.Equal(new RestartBackoff
        {
            InitialDelay = TimeSpan.FromMilliseconds(250),
            MaxDelay = TimeSpan.FromMinutes(1),
            Factor = 3,
            Jitter = 0.25,
            StableAfter = TimeSpan.FromSeconds(90),
        }, db.Restart);
        Assert.Equal(4, db.MaxAttempts);

        await host.StopAsync(Ct);
        Assert.Equal(["down web", "down db"], recorder.Log.Where(l => l.StartsWith("down", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_bad_configured_service_fails_the_runtime_with_the_manifest_readers_message_naming_the_section()
    {
        using var host = Build(b => b.Services.AddTypedProcesses(o => o.AddService("cfg:bad", "svc:recorder", "app:h",
            s => s.Lifecycle.Restart.InitialDelay = "10 parsecs")));
        var error = Assert.Throws<ProcessException>(() => host.Services.GetRequiredService<ProcessRuntime>());
        Assert.Equal("TypedProcesses:Services: service 'cfg:bad': 'lifecycle.restart.initial_delay' must be a duration such as 500ms, 10s, 1m30s (got 10 parsecs)", error.Message);
    }

    [Fact]
    public async Task A_service_that_cannot_start_stops_the_ones_started_before_it_and_fails_the_host_start()
    {
        var recorder = new Recorder();
        using var host = Build(b => b.Services.AddTypedProcesses(o =>
        {
            o.AddService("cfg:a", "svc:recorder", "app:h", s => { s.Input.Add("a"); s.Lifecycle.StopTimeout = "30s"; });
            o.AddService("cfg:b", "svc:missing", "app:h", s => s.Lifecycle.Requires.Add("cfg:a"));
        }).AddHost("app:h", 1).Configure(recorder.Add));
        var error = await Assert.ThrowsAsync<ProcessException>(() => host.StartAsync(Ct));
        Assert.StartsWith("could not start the services: TypedProcesses:Services: service 'cfg:b': ", error.Message);
        Assert.Contains("svc:missing", error.Message);
        Assert.Equal(["up a", "down a"], recorder.Log); // a started, then stopped before the error
    }

    [Fact]
    public async Task A_crashing_service_is_restarted_after_its_backoff_and_the_health_check_follows_it()
    {
        var time = new ManualTime();
        var up = new ConcurrentQueue<TaskCompletionSource<Pid>>();
        var next = new TaskCompletionSource<Pid>(TaskCreationOptions.RunContinuationsAsynchronously);
        var current = next;
        using var host = Build(b =>
        {
            b.Services.AddSingleton<TimeProvider>(time);
            b.Services.AddTypedProcesses(o =>
            {
                o.ShutdownGrace = TimeSpan.Zero;
                o.AddService("cfg:steady", "svc:steady", "app:h");
                o.AddService("cfg:flaky", "svc:flaky", "app:h", s =>
                {
                    s.Lifecycle.Restart.InitialDelay = "1m";
                    s.Lifecycle.Restart.MaxAttempts = 1; // one restart, then it gives up
                });
            }).AddHost("app:h", 2).Configure(r =>
            {
                r.Entries.Add("svc:steady", async ctx => (await ctx.Events().ReceiveAsync()).Kind.ToString());
                r.Entries.Add("svc:flaky", async ctx =>
                {
                    var crash = ctx.Listen<string>("crash");
                    Volatile.Read(ref current).TrySetResult(ctx.Self);
                    throw new InvalidOperationException(await crash.ReceiveAsync());
                });
            });
            b.Services.AddHealthChecks().AddTypedProcessesServicesHealthCheck();
        });
        await host.StartAsync(Ct);
        var runtime = host.Services.GetRequiredService<ProcessRuntime>();
        var health = host.Services.GetRequiredService<HealthCheckService>();
        try
        {
            var first = await next.Task.WaitAsync(Guard, Ct);
            var report = await Until(health, HealthStatus.Healthy);
            Assert.Equal("2 service(s) running", report.Entries["typed-processes-services"].Description);

            var second = new TaskCompletionSource<Pid>(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref current, second);
            runtime.Send(first, "crash", "boom").ThrowIfFailed();
            report = await Until(health, HealthStatus.Degraded); // waiting out its 1m backoff on the stopped clock
            Assert.Equal("service(s) restarting: cfg:flaky", report.Entries["typed-processes-services"].Description);
            Assert.False(second.Task.IsCompleted);

            time.Advance(TimeSpan.FromMinutes(1));
            var restarted = await second.Task.WaitAsync(Guard, Ct);
            Assert.NotEqual(first, restarted);
            await Until(health, HealthStatus.Healthy);

            runtime.Send(restarted, "crash", "boom again").ThrowIfFailed();
            report = await Until(health, HealthStatus.Unhealthy); // max_attempts 1: down for good
            Assert.Equal("service(s) down: cfg:flaky (gave up or ended)", report.Entries["typed-processes-services"].Description);
        }
        finally
        {
            await host.StopAsync(Ct);
        }
    }

    /// <summary>Checks until the report has <paramref name="status"/> (the supervisor sees an exit asynchronously);
    /// the guard only bounds a failure.</summary>
    private static async Task<HealthReport> Until(HealthCheckService health, HealthStatus status)
    {
        var deadline = DateTime.UtcNow + Guard;
        while (true)
        {
            var report = await health.CheckHealthAsync(Ct);
            if (report.Status == status) return report;
            if (DateTime.UtcNow > deadline) Assert.Fail($"still {report.Status} ({report.Entries.Values.FirstOrDefault().Description}), not {status}");
            await Task.Delay(10, Ct);
        }
    }
}
