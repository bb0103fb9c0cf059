namespace Typed.Processes.Generators.Tests;

/// <summary>Review of issue 11: valid entries whose generated code must compile (names the generated code uses itself,
/// keywords, nested and generic types, nullable replies, every kind of handler in one entry).</summary>
public class ReviewCompileTests
{
    private const string Usings = """
        using System.Collections.Immutable;
        using System.Threading;
        using System.Threading.Tasks;
        using Typed.Processes;

        namespace App.Review;

        """;

    public static TheoryData<string, string> Cases => new()
    {
        { "main parameters whose stub names collide", """
            [ProcessEntry("app:e")]
            public partial class E { [ProcessMain] public void Main(int host, int hostArg) { } }
            """ },
        { "main parameters named like the stubs' own", """
            [ProcessEntry("app:e")]
            public partial class E { [ProcessMain] public void Main(int context, int runtime, int args, int cancellationToken, int @class) { } }
            """ },
        { "handler parameters named like the dispatch's locals", """
            [ProcessEntry("app:e")]
            public partial class E
            {
                [Topic("a")] public int A(int message, MessageContext handling, CancellationToken cancellationToken) => message;
                [Topic("b")] public void B(string instance) { }
                [Topic("c")] public Task<long> C(long messages, CancellationToken context) => Task.FromResult(messages);
                [OnExit] public void OnExit(Pid processEvent, object? message, string? instance, MessageContext context) { }
                [OnCancel] public Task OnCancel(string messages, System.DateTimeOffset? handling, CancellationToken cancellationToken) => Task.CompletedTask;
            }
            """ },
        { "topics that are C# keywords, with call handlers", """
            [ProcessEntry("app:e")]
            public partial class E
            {
                [Topic("class")] public string Class(string @string) => @string;
                [Topic("return")] public ValueTask<int?> Return() => default;
                [Topic("int")] public Task<string?> Int(int? value) => Task.FromResult<string?>(null);
            }
            """ },
        { "nested and generic payload and reply types", """
            public static class Outer
            {
                public sealed record Inner(string Text);
                public sealed record Box<T>(T Value);
            }
            [ProcessEntry("app:e")]
            public partial class E
            {
                [Topic("a")] public Outer.Box<Outer.Inner> A(Outer.Box<ImmutableArray<Outer.Inner>> request) => new(request.Value[0]);
                [Topic("b", Reply = typeof(Outer.Box<string>))] public void B(string[] words, MessageContext context) { }
                [OnLinkDown] public void Down(ProcessEvent e) { }
            }
            """ },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Generated_code_compiles(string name, string source)
    {
        _ = name;
        Assert.NotEmpty(GeneratorHarness.Run(Usings + source));
    }
}
