using System.Threading.Channels;
using Typed.Processes;

namespace Typed.Processes.EndToEnd;

/// <summary>A supervised worker with a typed main (so its generated <c>Child</c> factory takes a long and a string);
/// each start is logged, and a "crash" message makes it throw.</summary>
[ProcessEntry("app.sup:counter")]
public partial class Counter
{
    internal static Channel<string> Log { get; } = Channel.CreateUnbounded<string>();

    [ProcessMain]
    async Task Main(ProcessContext context, long start, string label)
    {
        Log.Writer.TryWrite($"start {label} {start}");
        var inbox = context.Inbox();
        while (true)
            if ((await inbox.ReceiveAsync()).Topic == "crash") throw new InvalidOperationException("crash of " + label);
    }
}

/// <summary>A nested supervisor: one_for_all, and any restart makes it give up (intensity 0), so a crash escalates.</summary>
[Supervisor("app.sup:inner", Strategy = "one_for_all", Intensity = 0)]
public partial class InnerSupervisor
{
    static IEnumerable<ChildSpec> Children() =>
    [
        Counter.Child("c1", ProcessReferences.Hosts.AppE2e, 1L, "one") with { Shutdown = ChildShutdown.Brutal },
        Counter.Child("c2", ProcessReferences.Hosts.AppE2e, 2L, "two") with { Shutdown = ChildShutdown.Brutal, Restart = RestartType.Transient },
    ];
}

/// <summary>The root: a worker, then the nested supervisor (by its generated factory).</summary>
[Supervisor("app.sup:root", Intensity = 3, Period = "1m")]
public partial class RootSupervisor
{
    static IEnumerable<ChildSpec> Children() =>
    [
        Counter.Child("top", ProcessReferences.Hosts.AppE2e, 0L, "top") with { Shutdown = ChildShutdown.Brutal },
        InnerSupervisor.Child("inner", ProcessReferences.Hosts.AppE2e),
    ];
}
