namespace Typed.Processes.Hosting;

/// <summary>A unit of work run on a host's worker.</summary>
internal abstract class HostWorkItem
{
    public abstract void Execute();

    /// <summary>True for items that may use a worker's next slot (resumptions of C# process code). Lua processes
    /// always go through the shared FIFO queue: their park/wake hand-off was designed and tested with it.</summary>
    internal virtual bool PrefersLocal => false;
}
