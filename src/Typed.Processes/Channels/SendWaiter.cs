using System.Threading.Tasks.Sources;
using Typed.Processes.Channels;

namespace Typed.Processes;

internal sealed class SendWaiter(IWaitOwner? owner, CancellationToken ct) : AsyncWaiter(owner, ct), IValueTaskSource
{
    public void GetResult(short token)
    {
        Finish(token);
        if (!Ok) throw new ChannelClosedException();
    }
}
