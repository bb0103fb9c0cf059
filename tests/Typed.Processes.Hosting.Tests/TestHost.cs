using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Typed.Processes.Hosting.Tests;

/// <summary>Builds generic hosts with in-memory configuration and a capturing logger.</summary>
internal static class TestHost
{
    public static readonly TimeSpan Guard = TimeSpan.FromSeconds(60); // a failure guard, never synchronisation

    public static IHost Build(Action<HostApplicationBuilder> configure, Dictionary<string, string?>? settings = null, CapturingLoggerProvider? logs = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings ?? []);
        builder.Logging.ClearProviders();
        if (logs is not null)
        {
            builder.Logging.AddProvider(logs);
            builder.Logging.SetMinimumLevel(LogLevel.Debug);
        }
        configure(builder);
        return builder.Build();
    }
}

/// <summary>One captured log message with the scope values active when it was written.</summary>
internal sealed record CapturedLog(string Category, LogLevel Level, string Message, IReadOnlyDictionary<string, object?> Scope);

/// <summary>An <see cref="ILoggerProvider"/> that keeps every message and its scopes (read through the factory's scope provider).</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider, ISupportExternalScope
{
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public ConcurrentQueue<CapturedLog> Logs { get; } = new();

    /// <summary>Completes with the first message matching a predicate (registered before the message is written).</summary>
    public Task<CapturedLog> WaitFor(Func<CapturedLog, bool> match)
    {
        var tcs = new TaskCompletionSource<CapturedLog>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waiters) _waiters.Add((match, tcs));
        foreach (var log in Logs) if (match(log)) tcs.TrySetResult(log);
        return tcs.Task;
    }

    private readonly List<(Func<CapturedLog, bool> Match, TaskCompletionSource<CapturedLog> Done)> _waiters = [];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose() { }

    private void Add(CapturedLog log)
    {
        Logs.Enqueue(log);
        lock (_waiters) foreach (var (match, done) in _waiters) if (match(log)) done.TrySetResult(log);
    }

    private sealed class Logger(CapturingLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => provider._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var scope = new Dictionary<string, object?>(StringComparer.Ordinal);
            provider._scopes.ForEachScope((s, d) =>
            {
                if (s is IEnumerable<KeyValuePair<string, object?>> pairs) foreach (var (k, v) in pairs) d[k] = v;
            }, scope);
            provider.Add(new CapturedLog(category, logLevel, formatter(state, exception), scope));
        }
    }
}
