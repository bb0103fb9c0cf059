using Microsoft.Extensions.DependencyInjection;

namespace Typed.Processes.Hosting;

/// <summary>
/// Configures the runtime <see cref="TypedProcessesServiceCollectionExtensions.AddTypedProcesses"/> added: hosts,
/// Lua applications, C# entries (<see cref="Configure(Action{ProcessRuntime})"/>) and processes to start with the host.
/// </summary>
public sealed class TypedProcessesBuilder
{
    internal TypedProcessesBuilder(IServiceCollection services, RuntimeSetup setup)
    {
        Services = services;
        Setup = setup;
    }

    /// <summary>The services the runtime is registered in.</summary>
    public IServiceCollection Services { get; }

    internal RuntimeSetup Setup { get; }

    /// <summary>Adds a host (see <see cref="TypedProcessesOptions.AddHost"/>).</summary>
    public TypedProcessesBuilder AddHost(string reference, int workers = 0, int mailboxLimit = 0)
    {
        ArgumentNullException.ThrowIfNull(reference);
        Services.Configure<TypedProcessesOptions>(o => o.AddHost(reference, workers, mailboxLimit));
        return this;
    }

    /// <summary>Adds a Lua application folder (see <see cref="TypedProcessesOptions.LuaApps"/>).</summary>
    public TypedProcessesBuilder AddLuaApplication(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        Services.Configure<TypedProcessesOptions>(o => o.LuaApps.Add(folder));
        return this;
    }

    /// <summary>
    /// Runs <paramref name="configure"/> on the runtime when it is created, after its hosts and Lua applications:
    /// register C# entries there, e.g. <c>.Configure(r =&gt; r.AddGeneratedEntries())</c>.
    /// </summary>
    public TypedProcessesBuilder Configure(Action<ProcessRuntime> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        Setup.Configure.Add((runtime, _) => configure(runtime));
        return this;
    }

    /// <summary><see cref="Configure(Action{ProcessRuntime})"/> with the application's services.</summary>
    public TypedProcessesBuilder Configure(Action<ProcessRuntime, IServiceProvider> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        Setup.Configure.Add(configure);
        return this;
    }

    /// <summary>
    /// Spawns <paramref name="entry"/> on <paramref name="host"/> when the host starts (in the order added); a spawn
    /// that fails (an unknown entry or host, bad arguments) fails the host's start.
    /// </summary>
    public TypedProcessesBuilder Run(string entry, string host, params object?[] args)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(host);
        Setup.Runs.Add(new StartupRun(entry, host, args ?? []));
        return this;
    }
}

/// <summary>What the builder collected that configuration cannot hold (code and arguments).</summary>
internal sealed class RuntimeSetup
{
    public List<Action<ProcessRuntime, IServiceProvider>> Configure { get; } = [];

    public List<StartupRun> Runs { get; } = [];
}

internal sealed record StartupRun(string Entry, string Host, object?[] Args);
