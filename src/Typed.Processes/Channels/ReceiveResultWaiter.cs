using System.Threading.Tasks.Sources;
using Typed.Processes.Channels;

namespace Typed.Processes;

internal sealed class ReceiveResultWaiter<T>(IWaitOwner? owner, ProcessChannel<T> channel, CancellationToken ct) : AsyncWaiter(owner, ct), IValueTaskSource<ReceiveResult<T>>
{
    public ReceiveResult<T> GetResult(short token)
    {
        Finish(token);
        return Ok ? new ReceiveResult<T>((T)channel.Taken(Value)!, true) : new ReceiveResult<T>(default!, false);
    }
}
