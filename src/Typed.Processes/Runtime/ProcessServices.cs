namespace Typed.Processes;

/// <summary>Creating and disposing a process's services (<see cref="ProcessRuntimeOptions.ProcessServices"/>).</summary>
internal static class ProcessServices
{
    /// <summary>The services of a process when the runtime has no <see cref="ProcessRuntimeOptions.ProcessServices"/>: none.</summary>
    internal sealed class Empty : IServiceProvider
    {
        public object? GetService(Type serviceType) => null;
    }

    internal static readonly IServiceProvider None = new Empty();

    /// <summary>
    /// Disposes what <see cref="ProcessRuntimeOptions.ProcessServices"/> made (asynchronously if it can: a scope may
    /// hold services that are only async-disposable). A failure is logged, never thrown: the process has already ended.
    /// </summary>
    internal static void Dispose(ProcessRuntime runtime, Pid pid, IServiceProvider services)
    {
        try
        {
            if (services is IAsyncDisposable async)
            {
                var pending = async.DisposeAsync();
                if (!pending.IsCompletedSuccessfully) _ = Observe(runtime, pid, pending.AsTask());
            }
            else if (services is IDisposable disposable) disposable.Dispose();
        }
        catch (Exception ex)
        {
            runtime.LogServicesDisposeFailed(pid, ex);
        }
    }

    private static async Task Observe(ProcessRuntime runtime, Pid pid, Task pending)
    {
        try
        {
            await pending.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            runtime.LogServicesDisposeFailed(pid, ex);
        }
    }
}
