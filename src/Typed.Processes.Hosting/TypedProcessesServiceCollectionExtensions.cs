using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Typed.Processes.Lua;

namespace Typed.Processes.Hosting;

/// <summary>Adds Typed.Processes to a .NET host.</summary>
public static class TypedProcessesServiceCollectionExtensions
{
    /// <summary>
    /// Adds a <see cref="ProcessRuntime"/> (a singleton: inject it where typed stubs or <c>Spawn</c>/<c>Send</c>/<c>CallAsync</c>
    /// are used outside processes; a process's own services, <see cref="ProcessContext.Services"/>, are a scope of the
    /// host's created on first use and disposed when it ends) configured from the <c>TypedProcesses</c> configuration section and then by
    /// <paramref name="configure"/>, logging to the host's <see cref="ILoggerFactory"/>, and a hosted service that
    /// starts it with the host and, when the host stops, shuts it down gracefully (Cancel with
    /// <see cref="TypedProcessesOptions.ShutdownGrace"/>, then terminate). Calling it again adds to the same runtime.
    /// </summary>
    public static TypedProcessesBuilder AddTypedProcesses(this IServiceCollection services, Action<TypedProcessesOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var setup = services.FirstOrDefault(d => d.ServiceType == typeof(RuntimeSetup))?.ImplementationInstance as RuntimeSetup;
        if (setup is null)
        {
            setup = new RuntimeSetup();
            services.AddSingleton(setup);
            services.AddOptions<TypedProcessesOptions>().BindConfiguration(TypedProcessesOptions.SectionName);
            services.TryAddSingleton(CreateRuntime);
            services.AddHostedService<TypedProcessesHostedService>();
        }
        if (configure is not null) services.Configure(configure);
        return new TypedProcessesBuilder(services, setup);
    }

    private static ProcessRuntime CreateRuntime(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<TypedProcessesOptions>>().Value;
        var scopes = services.GetRequiredService<IServiceScopeFactory>();
        var runtime = new ProcessRuntime(new ProcessRuntimeOptions
        {
            LoggerFactory = services.GetService<ILoggerFactory>(),
            TimeProvider = services.GetService<TimeProvider>(),
            ProcessServices = _ => new ProcessScope(scopes.CreateAsyncScope()),
        });
        try
        {
            foreach (var (reference, host) in options.AllHosts())
                runtime.Hosts.Add(reference, new HostOptions { Workers = host.Workers, MailboxLimit = host.MailboxLimit });
            foreach (var folder in options.LuaApps)
                runtime.AddLuaApplication(Path.Combine(AppContext.BaseDirectory, folder));
            foreach (var configure in services.GetRequiredService<RuntimeSetup>().Configure)
                configure(runtime, services);
            return runtime;
        }
        catch
        {
            // The hosts added so far have started their workers: stop them before reporting the configuration error.
            runtime.ShutdownAsync().GetAwaiter().GetResult();
            throw;
        }
    }
}

/// <summary>A process's services: a scope of the host's, disposed by the runtime when the process ends.</summary>
internal sealed class ProcessScope(AsyncServiceScope scope) : IServiceProvider, IAsyncDisposable
{
    public object? GetService(Type serviceType) => scope.ServiceProvider.GetService(serviceType);

    public ValueTask DisposeAsync() => scope.DisposeAsync();
}

/// <summary>Starts the runtime with the host and shuts it down gracefully when the host stops.</summary>
internal sealed partial class TypedProcessesHostedService(
    ProcessRuntime runtime, RuntimeSetup setup, IOptions<TypedProcessesOptions> options, ILogger<TypedProcessesHostedService> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var run in setup.Runs)
        {
            var pid = runtime.Spawn(run.Entry, run.Host, run.Args);
            if (!pid.Ok) throw new ProcessException($"could not start {run.Entry} on {run.Host}: {pid.Error}");
            Started(logger, run.Entry, pid.Value);
        }
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var grace = options.Value.ShutdownGrace;
        var report = await runtime.ShutdownAsync(grace).WaitAsync(cancellationToken).ConfigureAwait(false);
        Stopped(logger, report.Running.Count, grace);
    }

    [LoggerMessage(1, LogLevel.Information, "started {Entry} as {Pid}")]
    private static partial void Started(ILogger logger, string entry, Pid pid);

    [LoggerMessage(2, LogLevel.Information, "shut down: {Count} process(es) were running, given {Grace} after Cancel")]
    private static partial void Stopped(ILogger logger, int count, TimeSpan grace);
}
