using Microsoft.CodeAnalysis.Testing;

namespace Typed.Processes.Analyzers.Tests;

public class EntryClassTests
{
    private const string Usings = """
        using System.Threading.Tasks;
        using Typed.Processes;

        """;

    [Fact]
    public Task ValidHandlers_NoDiagnostic() => Verifier.AnalyzeAsync<EntryClassAnalyzer>(Usings + """
        [ProcessEntry("app:echo")]
        public partial class Echo
        {
            [ProcessMain] public Task Start(ProcessContext context, int first, string second) => Task.CompletedTask;
            [Topic("ping")] public void Ping(string text) { }
            [Topic("pong")] public Task Pong(MessageContext context, string text) => Task.CompletedTask;
            [Topic("stop")] public ValueTask Stop(MessageContext context) => default;
            [Topic("tick")] public void Tick() { }
            [Inbox] public void Other(Message message, MessageContext context) { }
        }

        [ProcessEntry("app:compute")]
        public partial class Compute
        {
            public Compute(ProcessContext context) { }
            [ProcessMain] public Task<int> Run(int n) => Task.FromResult(n * 2);
        }

        [ProcessEntry("app:plain")]
        public partial class Plain
        {
            [ProcessMain] public ValueTask<string> Run() => new("done");
        }

        [ProcessEntry("app:inbox")]
        public partial class InboxOnly
        {
            [Inbox] private ValueTask Other(Message message) => default;
        }
        """);

    [Fact]
    public Task A_topic_handler_whose_payload_is_a_runtime_object_is_reported() => Verifier.AnalyzeAsync<EntryClassAnalyzer>(Usings + """
        [ProcessEntry("app:holder")]
        public partial class Holder
        {
            [Topic("a")] public void {|TP0005:TakesContext|}(ProcessContext context) { }
            [Topic("b")] public void {|TP0005:TakesRuntime|}(ProcessRuntime runtime) { }
            [Topic("c")] public void {|TP0005:TakesChannel|}(ProcessChannel<int> channel) { }
            [Topic("d")] public void {|TP0005:TakesMessage|}(Message message) { }
            [Topic("e")] public void TakesToken(System.Threading.CancellationToken token) { } // a token is not a payload: cancelled when the process is terminated
            [Topic("f")] public void TakesData(string text, MessageContext context) { }
        }
        """);

    [Fact]
    public Task InvalidTopicHandlers() => Verifier.AnalyzeAsync<EntryClassAnalyzer>(Usings + """
        [ProcessEntry("app:echo")]
        public partial class Echo
        {
            [Topic("a")] public static void {|TP0005:Static|}(string text) { }
            [Topic("b")] public void {|TP0005:Generic|}<T>(T value) { }
            [Topic("c")] public void {|TP0005:TwoPayloads|}(string a, int b) { }
            [Topic("d")] public void {|TP0005:TwoContexts|}(MessageContext a, MessageContext b) { }
            [Topic("e")] public void {|TP0005:TakesOut|}(out int n) => n = 0;
            [Topic("g")] public void First(string text) { }
            [Topic("g")] public void {|TP0005:Second|}(string text) { }
        }
        """);

    [Fact]
    public Task InvalidInboxAndMain() => Verifier.AnalyzeAsync<EntryClassAnalyzer>(Usings + """
        [ProcessEntry("app:echo")]
        public partial class Echo
        {
            [ProcessMain] public int {|TP0005:Main|}() => 0;
            [ProcessMain] public void {|TP0005:SecondMain|}() { }
            [Inbox] public void {|TP0005:WrongParameters|}(string text) { }
            [Inbox] public void {|TP0005:SecondInbox|}(Message message) { }
            [Topic("t")] public void T() { }
        }

        [ProcessEntry("app:inbox")]
        public partial class InboxOnly
        {
            [Inbox] public int {|TP0005:ReturnsInt|}(Message message, MessageContext context) => 0;
        }

        [ProcessEntry("app:inbox2")]
        public partial class InboxOnly2
        {
            [Inbox] public void {|TP0005:ContextFirst|}(MessageContext context, Message message) { }
        }
        """);

    [Fact]
    public Task HandlerMessage_NamesMethodAndProblem() => Verifier.AnalyzeAsync<EntryClassAnalyzer>(Usings + """
        [ProcessEntry("app:echo")]
        public partial class Echo
        {
            [Topic("e", Reply = typeof(long))] public int {|#0:ReturnsInt|}(string text) => 0;
        }
        """, [new DiagnosticResult(Diagnostics.InvalidHandler).WithLocation(0)
            .WithMessage("'ReturnsInt' is not a valid handler: it returns 'int' but declares Reply = typeof(long); a returned value is the reply, so declare the returned type or leave Reply out")]);

    [Fact]
    public Task NotPartial() => Verifier.AnalyzeAsync<EntryClassAnalyzer>(Usings + """
        [ProcessEntry("app:a")]
        public class {|TP0007:A|} { }

        public class Outer
        {
            [ProcessEntry("app:b")]
            public partial class {|TP0007:B|} { }
        }

        public partial class GoodOuter
        {
            [ProcessEntry("app:c")]
            public partial class C { }
        }

        public class NotAnEntry { }
        """);

    [Fact]
    public Task NotPartial_FixAddsPartialToEveryType() => Verifier.FixAsync<EntryClassAnalyzer, MakePartialCodeFix>(Usings + """
        public static class Outer
        {
            internal sealed class Middle
            {
                [ProcessEntry("app:b")]
                public sealed class {|TP0007:B|} { }
            }
        }

        [ProcessEntry("app:a")]
        class {|TP0007:A|} { }
        """, Usings + """
        public static partial class Outer
        {
            internal sealed partial class Middle
            {
                [ProcessEntry("app:b")]
                public sealed partial class B { }
            }
        }

        [ProcessEntry("app:a")]
        partial class A { }
        """);

    [Fact]
    public Task NotInstantiable() => Verifier.AnalyzeAsync<EntryClassAnalyzer>(Usings + """
        [ProcessEntry("app:a")]
        public abstract partial class {|TP0008:A|} { }

        [ProcessEntry("app:s")]
        public static partial class {|TP0008:S|} { }

        [ProcessEntry("app:g")]
        public partial class {|TP0008:G|}<T> { }

        [ProcessEntry("app:c")]
        public partial class {|TP0008:C|}
        {
            public C(int value) { }
        }

        [ProcessEntry("app:ok")]
        public partial class Ok
        {
            private Ok(ProcessContext context) { }
            public Ok(int value) { }
        }
        """);

    [Fact]
    public Task Constructors_taking_services() => Verifier.AnalyzeAsync<EntryClassAnalyzer>(Usings + """
        public interface IClock { }

        [ProcessEntry("app:injected")]
        public partial class Injected(string name, IClock? clock, ProcessContext context) { }

        [ProcessEntry("app:two")]
        public partial class {|TP0008:Two|}
        {
            public Two(string a) { }
            public Two(IClock b) { }
        }

        [ProcessEntry("app:twocontexts")]
        public partial class {|TP0008:TwoContexts|}
        {
            public TwoContexts(ProcessContext a, ProcessContext b) { }
        }

        [ProcessEntry("app:longest")]
        public partial class Longest
        {
            public Longest(IClock clock) { }
            public Longest(IClock clock, ProcessContext context) { }
            public Longest(int a, int b, int c) { }
        }
        """);

    [Fact]
    public Task MalformedReferences() => Verifier.AnalyzeAsync<EntryClassAnalyzer>(Usings + """
        [assembly: ProcessHost({|TP0008:"processes"|})]
        [assembly: ProcessHost("app:processes", Workers = 2)]

        [ProcessEntry({|TP0008:"echo"|})]
        public partial class Echo { }

        [ProcessEntry({|TP0008:"app:echo:2"|})]
        public partial class Echo2 { }
        """);
}

public class NotReferencedTests
{
    // Look-alike attributes in another namespace, and no Typed.Processes reference: no rule fires.
    private const string Source = """
        namespace Other
        {
            [System.AttributeUsage(System.AttributeTargets.Class)]
            public sealed class ProcessEntryAttribute(string reference) : System.Attribute { public string Reference { get; } = reference; }
            [System.AttributeUsage(System.AttributeTargets.Method)]
            public sealed class TopicAttribute(string name) : System.Attribute { public string Name { get; } = name; }

            [ProcessEntry("bad")]
            public abstract class Entry
            {
                [Topic("a")] public static int Handler(int a, int b) => a + b;
            }

            public class Runtime { public void Spawn(string entry, string host) { } }
            class Caller { void M(Runtime runtime) => runtime.Spawn("nope", "nope"); }
        }
        """;

    [Fact]
    public Task EntryClassAnalyzer_Silent() => Verifier.AnalyzeWithoutTypedProcessesAsync<EntryClassAnalyzer>(Source);

    [Fact]
    public Task ReferenceAnalyzer_Silent() => Verifier.AnalyzeWithoutTypedProcessesAsync<ReferenceAnalyzer>(Source);

    [Fact]
    public Task TopicAnalyzer_Silent() => Verifier.AnalyzeWithoutTypedProcessesAsync<TopicAnalyzer>(Source);
}
