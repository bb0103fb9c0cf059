namespace Typed.Processes.Analyzers.Tests;

/// <summary>The TP0011 code fix: ask for the reply type the topic declares.</summary>
public class CallCodeFixTests
{
    private const string Entries = """
        using System.Threading.Tasks;
        using Typed.Processes;

        public sealed record Price(decimal Amount);

        [ProcessEntry("app:pricer")]
        public partial class Pricer
        {
            [Topic("price")] public ValueTask<Price> OnPrice(string item) => new(new Price(1m));
        }

        """;

    [Fact]
    public Task TP0011_fix_asks_for_the_declared_reply_type() => Verifier.FixAsync<TopicAnalyzer, ReplyTypeCodeFix>(Entries + """
        class Caller
        {
            Task M(ProcessContext ctx, Pid<Pricer> pricer) => ctx.CallAsync<{|TP0011:decimal|}>(pricer, "price", "apple", System.TimeSpan.FromSeconds(1)).AsTask();
        }
        """, Entries + """
        class Caller
        {
            Task M(ProcessContext ctx, Pid<Pricer> pricer) => ctx.CallAsync<Price>(pricer, "price", "apple", System.TimeSpan.FromSeconds(1)).AsTask();
        }
        """);
}
