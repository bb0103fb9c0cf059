using Microsoft.Extensions.Logging;

namespace Typed.Processes;

/// <summary>Settings of a <see cref="ProcessRuntime"/>.</summary>
public sealed class ProcessRuntimeOptions
{
    /// <summary>
    /// Where the runtime logs (process output from <c>print</c>/<see cref="ProcessContext.Log"/>, crashes, dead letters).
    /// Not set: warnings and errors (crashes, dead letters) go to standard error, and the rest nowhere; set it to
    /// <c>NullLoggerFactory.Instance</c> to turn that off.
    /// </summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>Tests only: where the default logger (no <see cref="LoggerFactory"/>) writes instead of standard error.</summary>
    internal TextWriter? DefaultLogWriter { get; init; }

    /// <summary>The clock for timers and event timestamps.</summary>
    public TimeProvider? TimeProvider { get; init; }
}
