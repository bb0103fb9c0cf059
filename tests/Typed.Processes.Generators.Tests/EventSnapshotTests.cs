namespace Typed.Processes.Generators.Tests;

/// <summary>The generated dispatch of entries with [OnExit], [OnLinkDown] and [OnCancel] handlers.</summary>
public class EventSnapshotTests
{
    [Fact]
    public void Entry_with_event_handlers()
    {
        var files = GeneratorHarness.Run("""
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            using Typed.Processes;

            namespace App.Jobs;

            [ProcessEntry("app.jobs:coordinator")]
            public partial class Coordinator
            {
                [ProcessMain] void Start(ProcessContext context, int workers) { }
                [Topic("result")] void OnResult(long value, MessageContext ctx, CancellationToken aborted) { }
                [Inbox] Task OnOther(Message msg, MessageContext ctx, CancellationToken aborted) => Task.CompletedTask;
                [OnExit] void OnWorkerExit(Pid pid, object? result, string? error, MessageContext ctx) { }
                [OnLinkDown] ValueTask OnLinkDown(ProcessEvent e, CancellationToken aborted) => default;
                [OnCancel] async Task OnCancel(string reason, DateTimeOffset? deadline, CancellationToken deadlineToken, MessageContext ctx)
                {
                    await Task.Yield();
                    ctx.Stop(reason);
                }
            }
            """);
        Snapshot.Verify(files);
    }

    [Fact]
    public void Entry_with_only_an_exit_handler()
    {
        var files = GeneratorHarness.Run("""
            using Typed.Processes;

            namespace App.Jobs;

            [ProcessEntry("app.jobs:watcher")]
            public partial class Watcher
            {
                [ProcessMain] void Start(ProcessContext context, Pid target) => context.Monitor(target);
                [OnExit] void OnExit(ProcessEvent e, MessageContext ctx) => ctx.Stop(e.Error);
            }
            """);
        Snapshot.Verify(files);
    }
}
