namespace Typed.Processes;

/// <summary>Something told when a process ends: a monitoring process, or an outside observer.</summary>
internal interface IExitObserver
{
    void OnExit(ProcessCore process, ExitInfo exit);
}
