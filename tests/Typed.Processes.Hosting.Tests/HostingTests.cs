using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using static Typed.Processes.Hosting.Tests.TestHost;

namespace Typed.Processes.Hosting.Tests;

public class HostingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_TypedProcesses_section_of_appsettings_adds_hosts_and_Lua_applications_and_sets_the_grace()
    {
        const string json = """
            {
              "TypedProcesses": {
                "Hosts": { "app:main": { "Workers": 2, "MailboxLimit": 1000 } },
                "LuaApps": [ "luaapp" ],
                "ShutdownGrace": "00:00:03"
              }
            }
            """;
        using var host = Build(b =>
        {
            b.Configuration.AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json)));
            b.Services.AddTypedProcesses();
        });
        await host.StartAsync(Ct);
        var runtime = host.Services.GetRequiredService<ProcessRuntime>();
        Assert.True(runtime.Hosts.TryGet("app:main", out var main));
        Assert.Equal(2, main.Workers);
        Assert.Equal(1000, main.MailboxLimit);
        Assert.Equal(TimeSpan.FromSeconds(3), host.Services.GetRequiredService<IOptions<TypedProcessesOptions>>().Value.ShutdownGrace);
        // The Lua application's host and entry, loaded from the output folder.
        Assert.True(runtime.Hosts.Contains("lapp:hosts"));
        var exit = await runtime.RunAsync("lapp:hello", "lapp:hosts", "world").WaitAsync(Guard, Ct);
        Assert.Null(exit.Error);
        Assert.Equal("hello world", exit.Result);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task Code_adds_hosts_and_entries_and_starts_processes_with_the_host()
    {
        var started = new TaskCompletionSource<(Pid Self, object? Arg)>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var host = Build(b => b.Services.AddTypedProcesses()
            .AddHost("app:code", workers: 1, mailboxLimit: 10)
            .Configure(r => r.Entries.Add("app:hello", ctx =>
            {
                started.TrySetResult((ctx.Self, ctx.Args[0]));
                return ValueTask.FromResult<object?>(null);
            }))
            .Run("app:hello", "app:code", 42));
        var runtime = host.Services.GetRequiredService<ProcessRuntime>();
        Assert.False(started.Task.IsCompleted); // nothing runs before the host starts
        await host.StartAsync(Ct);
        var (self, arg) = await started.Task.WaitAsync(Guard, Ct);
        Assert.Equal("app:hello", self.Entry);
        Assert.Equal(42, arg);
        Assert.True(runtime.Hosts.TryGet("app:code", out var code));
        Assert.Equal(10, code.MailboxLimit);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task A_startup_process_that_cannot_spawn_fails_the_host_start()
    {
        using var host = Build(b => b.Services.AddTypedProcesses().AddHost("app:h", 1).Run("app:missing", "app:h"));
        var error = await Assert.ThrowsAsync<ProcessException>(() => host.StartAsync(Ct));
        Assert.Contains("app:missing", error.Message);
    }

    [Fact]
    public async Task Stopping_the_host_cancels_every_process_then_terminates_those_that_ignore_the_cancel_after_the_grace()
    {
        var grace = TimeSpan.FromMilliseconds(500);
        using var host = Build(b => b.Services.AddTypedProcesses(o => o.ShutdownGrace = grace)
            .AddHost("app:h", 2)
            .Configure(r =>
            {
                r.Entries.Add("app:polite", async ctx => (await ctx.Events().ReceiveAsync()).Kind.ToString());
                r.Entries.Add("app:deaf", async ctx => await ctx.Listen("never").ReceiveAsync());
            }));
        await host.StartAsync(Ct);
        var runtime = host.Services.GetRequiredService<ProcessRuntime>();
        var polite = runtime.Spawn("app:polite", "app:h").Value;
        var deaf = runtime.Spawn("app:deaf", "app:h").Value;
        var politeExit = runtime.WaitForExitAsync(polite);
        var deafExit = runtime.WaitForExitAsync(deaf);

        var clock = Stopwatch.StartNew();
        await host.StopAsync(Ct);
        clock.Stop();

        Assert.Equal("Cancel", (await politeExit.WaitAsync(Guard, Ct)).Result); // it got the Cancel and ended on it
        var terminated = await deafExit.WaitAsync(Guard, Ct);
        // Terminated: by the Cancel's own deadline or by the shutdown after it, whichever came first.
        Assert.True(terminated.Error is "the runtime is shutting down" or "cancelled: deadline of 500ms exceeded", terminated.Error);
        Assert.True(clock.Elapsed >= grace - TimeSpan.FromMilliseconds(50), $"stopped after {clock.Elapsed}, before the grace");
        Assert.True(runtime.IsShutDown);
        Assert.Equal(0, runtime.ProcessCount);
    }

    [Fact]
    public async Task The_health_check_is_healthy_while_the_runtime_runs_and_unhealthy_once_it_is_shut_down()
    {
        using var host = Build(b =>
        {
            b.Services.AddTypedProcesses().AddHost("app:h", 1);
            b.Services.AddHealthChecks().AddTypedProcessesHealthCheck();
        });
        await host.StartAsync(Ct);
        var health = host.Services.GetRequiredService<HealthCheckService>();
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync(Ct)).Status);
        await host.StopAsync(Ct);
        var report = await health.CheckHealthAsync(Ct);
        Assert.Equal(HealthStatus.Unhealthy, report.Status);
        Assert.Equal("the process runtime is shut down", report.Entries["typed-processes"].Description);
    }

    [Fact]
    public async Task The_health_check_reports_a_host_whose_workers_are_all_stuck_as_degraded()
    {
        using var gate = new ManualResetEventSlim();
        var blocking = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var host = Build(b =>
        {
            b.Services.AddTypedProcesses(o => o.StarvationThreshold = TimeSpan.Zero)
                .AddHost("app:one", 1)
                .AddHost("app:other", 1)
                .Configure(r =>
                {
                    r.Entries.Add("app:blocker", ctx =>
                    {
                        blocking.TrySetResult();
                        gate.Wait(); // blocks the host's only worker (the bug the check is there to see)
                        return ValueTask.FromResult<object?>(null);
                    });
                    r.Entries.Add("app:quick", _ => ValueTask.FromResult<object?>("done"));
                });
            b.Services.AddHealthChecks().AddTypedProcessesHealthCheck();
        });
        await host.StartAsync(Ct);
        var runtime = host.Services.GetRequiredService<ProcessRuntime>();
        var health = host.Services.GetRequiredService<HealthCheckService>();
        try
        {
            runtime.Spawn("app:blocker", "app:one").ThrowIfFailed();
            await blocking.Task.WaitAsync(Guard, Ct);
            var quick = runtime.Spawn("app:quick", "app:one").Value; // waits: the only worker is blocked
            var quickExit = runtime.WaitForExitAsync(quick);
            Assert.True(runtime.Hosts.TryGet("app:one", out var one));
            Assert.True(one.QueueLength > 0);

            // The first check sees work waiting; the second sees that nothing has run since: starved.
            Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync(Ct)).Status);
            var report = await health.CheckHealthAsync(Ct);
            Assert.Equal(HealthStatus.Degraded, report.Status);
            Assert.Contains("app:one", report.Entries["typed-processes"].Description);
            Assert.DoesNotContain("app:other", report.Entries["typed-processes"].Description);

            gate.Set();
            Assert.Equal("done", (await quickExit.WaitAsync(Guard, Ct)).Result);
            Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync(Ct)).Status);
        }
        finally
        {
            gate.Set();
            await host.StopAsync(Ct);
        }
    }

    [Fact]
    public async Task The_runtime_logs_to_the_host_logger_with_the_pid_and_entry_in_the_scope_of_crashes_and_dead_letters()
    {
        var logs = new CapturingLoggerProvider();
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var host = Build(b => b.Services.AddTypedProcesses().AddHost("app:h", 1).Configure(r =>
        {
            r.Entries.Add("app:crash", _ => throw new InvalidOperationException("boom"));
            r.Entries.Add("app:listener", async ctx =>
            {
                ctx.Listen<string>("name");
                listening.SetResult();
                await stop.Task;
                return null;
            });
        }), logs: logs);
        await host.StartAsync(Ct);
        var runtime = host.Services.GetRequiredService<ProcessRuntime>();
        try
        {
            var crashed = logs.WaitFor(l => l.Category == "Typed.Processes.Runtime" && l.Message.Contains("crashed", StringComparison.Ordinal));
            var crash = runtime.Spawn("app:crash", "app:h").Value;
            var log = await crashed.WaitAsync(Guard, Ct);
            Assert.Equal(LogLevel.Warning, log.Level);
            Assert.Equal(crash, log.Scope["Pid"]);
            Assert.Equal("app:crash", log.Scope["Entry"]);

            var listener = runtime.Spawn("app:listener", "app:h").Value;
            await listening.Task.WaitAsync(Guard, Ct);
            Assert.False(runtime.Send(listener, "name", 42).Ok); // a dead letter: logged synchronously
            var dead = Assert.Single(logs.Logs, l => l.Message.StartsWith("dead letter", StringComparison.Ordinal));
            Assert.Equal(listener, dead.Scope["Pid"]);
            Assert.Equal("app:listener", dead.Scope["Entry"]);
        }
        finally
        {
            stop.TrySetResult();
            await host.StopAsync(Ct);
        }
    }
}
