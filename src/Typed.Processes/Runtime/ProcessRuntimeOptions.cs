using Microsoft.Extensions.Logging;

namespace Typed.Processes;

/// <summary>Settings of a <see cref="ProcessRuntime"/>.</summary>
public sealed class ProcessRuntimeOptions
{
    /// <summary>Where the runtime logs (process output from <c>print</c>/<see cref="ProcessContext.Log"/>, crashes, dead letters).</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>The clock for timers and event timestamps.</summary>
    public TimeProvider? TimeProvider { get; init; }
}
