using System.Threading.Tasks.Sources;

namespace Typed.Processes;

internal sealed class SendWaiter(ProcessCore? owner, CancellationToken ct) : AsyncWaiter(owner, ct), IValueTaskSource
{
    public void GetResult(short token)
    {
        Finish(token);
        if (!Ok) throw new ChannelClosedException();
    }
}
