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

    /// <summary>
    /// Makes the services of one process (<see cref="ProcessContext.Services"/>), e.g. a dependency-injection scope:
    /// called the first time the process asks for them, with its PID; what it returns is disposed (asynchronously if
    /// it is <see cref="IAsyncDisposable"/>) when the process ends. Not set: processes have no services.
    /// <c>Typed.Processes.Hosting</c> sets it to a scope of the host's services.
    /// </summary>
    public Func<Pid, IServiceProvider>? ProcessServices { get; init; }

    /// <summary>The clock for timers and event timestamps.</summary>
    public TimeProvider? TimeProvider { get; init; }
}
