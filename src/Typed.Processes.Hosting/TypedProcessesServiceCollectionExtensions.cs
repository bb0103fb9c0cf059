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
            services.TryAddSingleton<HostedServices>();
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
            // Configured services start first (the application's own, which Lua services may use), then each Lua
            // application's auto_start services; they stop in the reverse order.
            var hosted = services.GetRequiredService<HostedServices>();
            hosted.Applications.Clear();
            hosted.Configured = HostedServices.LoadConfigured(options);
            if (hosted.Configured is { } configured) hosted.Applications.Add(configured);
            foreach (var folder in options.LuaApps)
                hosted.Applications.Add(runtime.AddLuaApplication(Path.Combine(AppContext.BaseDirectory, folder)));
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
    ProcessRuntime runtime, RuntimeSetup setup, HostedServices services, IOptions<TypedProcessesOptions> options, ILogger<TypedProcessesHostedService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // The services first (the configured ones, then the Lua applications' auto_start ones), as tproc run does before
        // its entry; a service that cannot start stops the ones started before it and fails the host's start.
        foreach (var app in services.Applications)
        {
            var started = await app.StartServicesAsync(runtime).WaitAsync(cancellationToken).ConfigureAwait(false);
            if (!started.TryGetValue(out var running))
            {
                await StopServicesAsync(cancellationToken).ConfigureAwait(false);
                var error = ReferenceEquals(app, services.Configured) ? HostedServices.Located(started.Error!) : started.Error;
                throw new ProcessException("could not start the services: " + error);
            }
            services.Started(running);
            foreach (var service in running.Services) ServiceStarted(logger, service.Reference, service.Process, service.Host);
        }
        foreach (var run in setup.Runs)
        {
            var pid = runtime.Spawn(run.Entry, run.Host, run.Args);
            if (!pid.Ok)
            {
                await StopServicesAsync(cancellationToken).ConfigureAwait(false);
                throw new ProcessException($"could not start {run.Entry} on {run.Host}: {pid.Error}");
            }
            Started(logger, run.Entry, pid.Value);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await StopServicesAsync(cancellationToken).ConfigureAwait(false);
        var grace = options.Value.ShutdownGrace;
        var report = await runtime.ShutdownAsync(grace).WaitAsync(cancellationToken).ConfigureAwait(false);
        Stopped(logger, report.Running.Count, grace);
    }

    /// <summary>Stops the started services in the reverse of their start order, each within its stop_timeout.</summary>
    private async Task StopServicesAsync(CancellationToken cancellationToken)
    {
        var running = services.Running;
        for (int i = running.Count - 1; i >= 0; i--)
        {
            await running[i].StopAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            for (int j = running[i].Services.Count - 1; j >= 0; j--) ServiceStopped(logger, running[i].Services[j].Reference);
        }
    }

    [LoggerMessage(1, LogLevel.Information, "started {Entry} as {Pid}")]
    private static partial void Started(ILogger logger, string entry, Pid pid);

    [LoggerMessage(2, LogLevel.Information, "shut down: {Count} process(es) were running, given {Grace} after Cancel")]
    private static partial void Stopped(ILogger logger, int count, TimeSpan grace);

    [LoggerMessage(3, LogLevel.Information, "service {Service} started ({Process} on {Host})")]
    private static partial void ServiceStarted(ILogger logger, string service, string process, string host);

    [LoggerMessage(4, LogLevel.Information, "service {Service} stopped")]
    private static partial void ServiceStopped(ILogger logger, string service);
}
