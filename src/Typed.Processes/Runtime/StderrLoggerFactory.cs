using Microsoft.Extensions.Logging;

namespace Typed.Processes;

/// <summary>
/// The runtime's logger when <see cref="ProcessRuntimeOptions.LoggerFactory"/> is not set: warnings and errors
/// (crashes, dead letters, stuck workers) go to standard error, one line each (and the exception's text after it),
/// so that nothing fails silently; lower levels (process output, debug traces) are dropped. Set
/// <see cref="ProcessRuntimeOptions.LoggerFactory"/> to route everything elsewhere, or to
/// <c>NullLoggerFactory.Instance</c> for no logging at all. Trimming- and AOT-safe: no reflection, no configuration.
/// </summary>
internal sealed class StderrLoggerFactory(TextWriter? writer = null) : ILoggerFactory
{
    /// <summary>Standard error as it is when a line is written (so a redirected <see cref="Console.Error"/> is honoured).</summary>
    private TextWriter Writer => writer ?? Console.Error;

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void AddProvider(ILoggerProvider provider) { }

    public void Dispose() { }

    private sealed class Logger(StderrLoggerFactory factory, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel is >= LogLevel.Warning and < LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            var level = logLevel switch { LogLevel.Warning => "warn", LogLevel.Error => "fail", _ => "crit" };
            var text = $"{level}: {category}: {formatter(state, exception)}";
            if (exception is not null) text += Environment.NewLine + exception;
            var output = factory.Writer;
            lock (output) output.WriteLine(text); // one whole line (and exception) at a time
        }
    }
}
