using System.Collections.Concurrent;
using System.Threading.Channels;

namespace Typed.Processes.Tests;

/// <summary>
/// Test workers for supervisors: each start and stop is recorded in order on <see cref="Log"/> ("start a", "stop a");
/// a worker stops on a Cancel event, throws on a "crash" message, returns normally on "exit", fails without throwing on
/// "fail"; one made with <c>ignoreCancel</c> records "cancelled a" and keeps running.
/// </summary>
internal sealed class SupervisorKit
{
    private readonly Channel<string> _log = Channel.CreateUnbounded<string>();

    public ConcurrentDictionary<string, Pid> Pids { get; } = new();

    public ConcurrentDictionary<string, int> Starts { get; } = new();

    /// <summary>Per start: whether the child found its registered name already pointing at itself.</summary>
    public ConcurrentQueue<bool> NameSeenAtStart { get; } = new();

    public ChannelReader<string> Log => _log.Reader;

    /// <summary>The next record (a guard timeout, not synchronisation).</summary>
    public async Task<string> Next() => await _log.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(60));

    /// <summary>The next <paramref name="count"/> records.</summary>
    public async Task<string[]> Next(int count)
    {
        var items = new string[count];
        for (int i = 0; i < count; i++) items[i] = await Next();
        return items;
    }

    public bool TryNext(out string? item) => _log.Reader.TryRead(out item);

    public void Record(string what) => _log.Writer.TryWrite(what);

    public ProcessMain Worker(string id, bool ignoreCancel = false, string? name = null) => async ctx =>
    {
        Pids[id] = ctx.Self;
        Starts.AddOrUpdate(id, 1, (_, n) => n + 1);
        if (name is not null) NameSeenAtStart.Enqueue(ctx.Lookup(name) is { Ok: true } found && found.Value == ctx.Self);
        Record("start " + id);
        ctx.SignalReady(); // for a child declared to signal readiness: started once "start" is logged
        var events = ctx.Events();
        var inbox = ctx.Inbox();
        while (true)
        {
            var s = await ctx.Select(events.CaseReceive(), inbox.CaseReceive());
            if (s.Index == 0)
            {
                if (((ProcessEvent)s.Value!).Kind != ProcessEventKind.Cancel) continue;
                if (ignoreCancel)
                {
                    Record("cancelled " + id);
                    continue;
                }
                Record("stop " + id);
                return null;
            }
            switch (((Message)s.Value!).Topic)
            {
                case "crash": throw new InvalidOperationException("crash of " + id);
                case "exit": return "done";
                case "fail": return new ProcessFailure("failed: " + id);
            }
        }
    };
}
