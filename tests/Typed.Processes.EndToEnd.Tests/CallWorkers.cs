namespace Typed.Processes.EndToEnd;

/// <summary>A pricing request (a call's payload).</summary>
public sealed record PriceRequest(string Item, int Quantity);

/// <summary>A price (a call's reply).</summary>
public sealed record Price(string Item, decimal Amount);

/// <summary>
/// Call handlers: one returning its reply, one answering later, one that throws, and plain topics. The handlers are
/// public because the analyzers read them from this assembly's metadata when another compilation calls it, and a
/// compiler imports only the public members of a referenced assembly.
/// </summary>
[ProcessEntry("app.workers:pricer")]
public partial class Pricer
{
    private readonly List<(ReplyHandle Handle, PriceRequest Request)> _held = [];
    private long _priced;

    /// <summary>Replies with the returned value; also takes plain sends (the value is then dropped).</summary>
    [Topic("price")]
    public async ValueTask<Price> OnPrice(PriceRequest request, MessageContext ctx)
    {
        await Task.Yield();
        _priced++;
        return new Price(request.Item, 1.5m * request.Quantity);
    }

    /// <summary>How many "price" messages were handled, calls or not.</summary>
    [Topic("priced")]
    public long OnPriced() => _priced;

    /// <summary>Keeps the reply handle: "release" answers every held call, last first.</summary>
    [Topic("hold", Reply = typeof(Price))]
    public void OnHold(PriceRequest request, MessageContext ctx) => _held.Add((ctx.ReplyTo!, request));

    [Topic("release")]
    public void OnRelease()
    {
        for (int i = _held.Count - 1; i >= 0; i--)
            _held[i].Handle.Reply(new Price(_held[i].Request.Item, 2m * _held[i].Request.Quantity)).ThrowIfFailed();
        _held.Clear();
    }

    /// <summary>A handler that throws: its process ends, and its caller gets the error at once.</summary>
    [Topic("fail")]
    public long OnFail(string why) => throw new InvalidOperationException(why);

    [Topic("stop")]
    public void OnStop(MessageContext ctx) => ctx.Stop(_priced);
}
