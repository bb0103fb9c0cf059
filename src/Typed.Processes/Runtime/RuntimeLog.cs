using Microsoft.Extensions.Logging;

namespace Typed.Processes;

/// <summary>
/// The runtime's log messages, compiled by the logging source generator (no boxing, no parsing of the template, and
/// nothing formatted when the level is off). Callers wrap them in <c>ProcessRuntime.Log</c>, which swallows what a
/// logger throws.
/// </summary>
internal static partial class RuntimeLog
{
    [LoggerMessage(1, LogLevel.Debug, "{Pid} exited with error: {Error}")]
    public static partial void ExitedWithError(ILogger logger, Pid pid, string error);

    [LoggerMessage(2, LogLevel.Warning, "{Pid} crashed: {Message}")]
    public static partial void Crashed(ILogger logger, Exception? exception, Pid pid, string message);

    [LoggerMessage(3, LogLevel.Debug, "{Pid} terminated: linked {Cause} failed ({Error})")]
    public static partial void LinkKilled(ILogger logger, Pid pid, Pid cause, string? error);

    [LoggerMessage(4, LogLevel.Information, "{Pid} {Text}")]
    public static partial void Printed(ILogger logger, Pid pid, string text);

    [LoggerMessage(5, LogLevel.Warning, "dead letter for {Pid}: topic '{Topic}' from {From}: {Why}")]
    public static partial void DeadLetter(ILogger logger, Pid pid, string topic, Pid? from, string why);

    [LoggerMessage(6, LogLevel.Warning, "host {Host}: {Count} worker(s) still busy in process code at shutdown")]
    public static partial void WorkersStuck(ILogger logger, string host, int count);

    [LoggerMessage(8, LogLevel.Warning, "disposing the services of {Pid} failed")]
    public static partial void ServicesDisposeFailed(ILogger logger, Exception exception, Pid pid);

    [LoggerMessage(7, LogLevel.Error, "Unhandled exception in a work item on host {Host}")]
    public static partial void WorkItemFailed(ILogger logger, Exception exception, string host);
}
