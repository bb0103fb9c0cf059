namespace Typed.Processes.Analyzers.Tests;

/// <summary>TP0005 for [OnExit], [OnLinkDown] and [OnCancel] handlers, and CancellationToken parameters of handlers.</summary>
public class EventHandlerTests
{
    private const string Usings = """
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using Typed.Processes;

        """;

    [Fact]
    public Task Valid_event_handlers_and_token_parameters_draw_no_diagnostic() => Verifier.AnalyzeAsync<EntryClassAnalyzer>(Usings + """
        [ProcessEntry("app:coordinator")]
        public partial class Coordinator
        {
            [Topic("result")] void OnResult(long value, CancellationToken aborted, MessageContext ctx) { }
            [Inbox] Task OnOther(Message message, CancellationToken aborted) => Task.CompletedTask;
            [OnExit] void OnExit(string? error, Pid pid, MessageContext ctx, object? result, CancellationToken aborted) { }
            [OnLinkDown] ValueTask OnLinkDown(ProcessEvent e) => default;
            [OnCancel] async Task OnCancel(string reason, DateTimeOffset? deadline, CancellationToken deadlineToken, MessageContext ctx, Pid from)
            {
                await Task.Delay(1, deadlineToken);
                ctx.Stop(reason);
            }
        }

        [ProcessEntry("app:bare")]
        public partial class Bare
        {
            [OnExit] void OnExit() { }
        }
        """);

    [Fact]
    public Task Event_handlers_with_wrong_parameters_are_reported() => Verifier.AnalyzeAsync<EntryClassAnalyzer>(Usings + """
        [ProcessEntry("app:a")]
        public partial class A
        {
            [OnExit] void {|TP0005:TypedResult|}(Pid pid, int result) { }
            [OnLinkDown] void {|TP0005:LinkDownResult|}(Pid pid, object? result) { }
            [OnCancel] void {|TP0005:TwoReasons|}(string reason, string other) { }
            [OnExit] void {|TP0005:ErrorNotNullable|}(Pid pid, string error) { }
            [OnLinkDown] void {|TP0005:LinkErrorNotNullable|}(string error) { }
        }

        [ProcessEntry("app:b")]
        public partial class B
        {
            [OnCancel] void {|TP0005:CancelError|}(Exception error) { }
            [OnLinkDown] void {|TP0005:TypedPid|}(Pid<B> pid) { }
            [OnExit] void {|TP0005:ByRef|}(ref ProcessEvent e) { }
        }
        """);

    [Fact]
    public Task Event_handlers_returning_values_static_or_duplicated_are_reported() => Verifier.AnalyzeAsync<EntryClassAnalyzer>(Usings + """
        [ProcessEntry("app:a")]
        public partial class A
        {
            [OnExit] void First(Pid pid) { }
            [OnExit] void {|TP0005:Second|}(Pid pid) { }
            [OnCancel] int {|TP0005:ReturnsInt|}() => 0;
            [OnLinkDown] static void {|TP0005:Static|}() { }
        }
        """);

    [Fact]
    public Task A_main_of_an_entry_with_only_event_handlers_must_not_return_a_value() => Verifier.AnalyzeAsync<EntryClassAnalyzer>(Usings + """
        [ProcessEntry("app:a")]
        public partial class A
        {
            [ProcessMain] int {|TP0005:Main|}() => 1;
            [OnExit] void OnExit(Pid pid) { }
        }
        """);

    [Fact]
    public Task Token_parameters_of_topic_and_inbox_handlers_are_checked() => Verifier.AnalyzeAsync<EntryClassAnalyzer>(Usings + """
        [ProcessEntry("app:a")]
        public partial class A
        {
            [Topic("t")] void {|TP0005:TwoTokens|}(CancellationToken a, CancellationToken b) { }
            [Inbox] void {|TP0005:TokenFirst|}(CancellationToken token, Message message) { }
        }
        """);
}
