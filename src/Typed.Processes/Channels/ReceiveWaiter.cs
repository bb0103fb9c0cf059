using System.Threading.Tasks.Sources;
using Typed.Processes.Channels;

namespace Typed.Processes;

internal sealed class ReceiveWaiter<T>(IWaitOwner? owner, CancellationToken ct, ProcessChannel<T>? home = null)
    : AsyncWaiter(owner, ct), IValueTaskSource<T>
{
    public void Reuse(CancellationToken cancellation) => ResetAsync(cancellation);

    public T GetResult(short token)
    {
        Finish(token);
        if (!Ok) throw new ChannelClosedException();
        var value = (T)(home is null ? Value : home.Taken(Value))!;
        if (home is not null)
        {
            ResetAsync(default); // bumps the version: a stale ValueTask over this waiter now fails instead of reading a later value
            home.ReturnWaiter(this);
        }
        return value;
    }
}
