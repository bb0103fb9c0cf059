using System.Threading.Tasks.Sources;
using Typed.Processes.Channels;

namespace Typed.Processes;

internal sealed class SelectWaiter(SelectCase[] cases, IWaitOwner? owner, CancellationToken ct) : AsyncWaiter(owner, ct), IValueTaskSource<SelectResult>
{
    public SelectResult GetResult(short token)
    {
        Finish(token);
        return new SelectResult(CaseIndex, cases[CaseIndex].Channel, Value, Ok, false);
    }
}
