using Microsoft.Extensions.DependencyInjection;
using static Typed.Processes.Hosting.Tests.TestHost;

namespace Typed.Processes.Hosting.Tests;

public class ProcessServicesTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A scoped service that reports its disposal.</summary>
    public sealed class Tracker(Counter counter) : IDisposable
    {
        public int Id { get; } = counter.Next();

        public TaskCompletionSource Disposed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Dispose() => Disposed.TrySetResult();
    }

    public sealed class Counter
    {
        private int _n;

        public int Next() => Interlocked.Increment(ref _n);
    }

    [Fact]
    public async Task Each_process_gets_a_scope_of_the_host_services_disposed_when_it_ends()
    {
        var trackers = new System.Collections.Concurrent.ConcurrentQueue<Tracker>();
        var ready = new TaskCompletionSource[] { new(TaskCreationOptions.RunContinuationsAsynchronously), new(TaskCreationOptions.RunContinuationsAsynchronously) };
        using var host = Build(b =>
        {
            b.Services.AddSingleton<Counter>();
            b.Services.AddScoped<Tracker>();
            b.Services.AddTypedProcesses().AddHost("app:h", 2).Configure(r => r.Entries.Add("app:user", async ctx =>
            {
                var tracker = ctx.Services.GetRequiredService<Tracker>();
                Assert.Same(tracker, ctx.Services.GetRequiredService<Tracker>()); // one scope for the whole process
                trackers.Enqueue(tracker);
                ready[(int)ctx.Args[0]!].SetResult();
                await ctx.Listen("go").ReceiveAsync();
                return tracker.Id;
            }));
        });
        await host.StartAsync(Ct);
        var runtime = host.Services.GetRequiredService<ProcessRuntime>();
        try
        {
            var first = runtime.Spawn("app:user", "app:h", 0).Value;
            var second = runtime.Spawn("app:user", "app:h", 1).Value;
            await Task.WhenAll(ready[0].Task, ready[1].Task).WaitAsync(Guard, Ct);
            var both = trackers.ToArray();
            Assert.Equal(2, both.Select(t => t.Id).Distinct().Count()); // a scope per process
            Assert.All(both, t => Assert.False(t.Disposed.Task.IsCompleted)); // alive: not disposed

            var firstExit = runtime.WaitForExitAsync(first);
            runtime.Send(first, "go", null).ThrowIfFailed();
            var firstId = (int)(await firstExit.WaitAsync(Guard, Ct)).Result!;
            var firstTracker = both.Single(t => t.Id == firstId);
            await firstTracker.Disposed.Task.WaitAsync(Guard, Ct); // its scope ends with it
            Assert.False(both.Single(t => t.Id != firstId).Disposed.Task.IsCompleted); // not the other's

            runtime.Terminate(second).ThrowIfFailed(); // terminated from outside: disposed too
            await both.Single(t => t.Id != firstId).Disposed.Task.WaitAsync(Guard, Ct);
        }
        finally
        {
            await host.StopAsync(Ct);
        }
    }

    [Fact]
    public async Task Without_a_services_factory_a_process_has_no_services()
    {
        await using var runtime = new ProcessRuntime();
        runtime.Hosts.Add("app:h", 1);
        runtime.Entries.Add("app:e", ctx => ValueTask.FromResult<object?>(ctx.Services.GetService(typeof(Counter)) is null));
        var exit = await runtime.RunAsync("app:e", "app:h").WaitAsync(Guard, Ct);
        Assert.Equal(true, exit.Result);
    }

    [Fact]
    public async Task A_typed_entry_gets_its_constructor_parameters_from_the_process_scope()
    {
        using var host = Build(b =>
        {
            b.Services.AddSingleton<Greeter>();
            b.Services.AddTypedProcesses().AddHost("app:h", 1).Configure(r => r.AddGeneratedEntries());
        });
        await host.StartAsync(Ct);
        var runtime = host.Services.GetRequiredService<ProcessRuntime>();
        try
        {
            var exit = await runtime.RunAsync("tests:greeting", "app:h", "world").WaitAsync(Guard, Ct);
            Assert.Null(exit.Error);
            Assert.Equal("hello world from tests:greeting", exit.Result); // the service, the context, the optional one absent

            exit = await runtime.RunAsync("tests:needy", "app:h").WaitAsync(Guard, Ct);
            Assert.Equal("InvalidOperationException: no service of type Typed.Processes.Hosting.Tests.Unregistered for tests:needy: register it in the host's services", exit.Error);
        }
        finally
        {
            await host.StopAsync(Ct);
        }
    }

    [Fact]
    public async Task A_class_the_container_builds_takes_the_runtime_and_spawns_sends_and_calls_through_typed_stubs()
    {
        using var host = Build(b =>
        {
            b.Services.AddSingleton<Greeter>();
            b.Services.AddTransient<CountersController>();
            b.Services.AddTypedProcesses().AddHost("app:h", 1).Configure(r => r.AddGeneratedEntries());
        });
        await host.StartAsync(Ct);
        try
        {
            using var scope = host.Services.CreateScope(); // a request's scope, as ASP.NET makes one
            var controller = scope.ServiceProvider.GetRequiredService<CountersController>();
            var runtime = host.Services.GetRequiredService<ProcessRuntime>();
            var counter = controller.Create();
            Assert.Equal("tests:counter", counter.Value.Entry);
            var exit = runtime.WaitForExitAsync(counter);
            Assert.Equal(2, await controller.Add(counter, 2).WaitAsync(Guard, Ct));
            Assert.Equal(5, await controller.Add(counter, 3).WaitAsync(Guard, Ct));
            Assert.Equal("hello api", await controller.Greet(counter, "api").WaitAsync(Guard, Ct)); // the entry's injected Greeter
            Assert.True(controller.Stop(counter).Ok);
            Assert.Equal(5L, (await exit.WaitAsync(Guard, Ct)).Result);
        }
        finally
        {
            await host.StopAsync(Ct);
        }
    }
}
