namespace Typed.Processes.Generators.Tests;

/// <summary>The generated call stubs and the dispatch of call handlers (C# and Lua entries), against committed snapshots.</summary>
public class CallSnapshotTests
{
    [Fact]
    public void Call_handlers_returning_a_value_or_answering_later()
    {
        var files = GeneratorHarness.Run("""
            using System.Threading.Tasks;
            using Typed.Processes;

            namespace App.Shop;

            public sealed record PriceRequest(string Item, int Quantity);
            public sealed record Price(string Item, decimal Amount);

            [ProcessEntry("app.shop:pricer")]
            public partial class Pricer
            {
                private ReplyHandle? _pending;

                [Topic("price")] ValueTask<Price> OnPrice(PriceRequest request, MessageContext ctx) => new(new Price(request.Item, 2m * request.Quantity));
                [Topic("count")] long OnCount() => 42;
                [Topic("lookup")] Task<string?> OnLookup(string key) => Task.FromResult<string?>(null);
                [Topic("later", Reply = typeof(Price))] void OnLater(PriceRequest request, MessageContext ctx) => _pending = ctx.ReplyTo;
                [Topic("release")] void OnRelease() => _pending?.Reply(new Price("x", 1m));
            }
            """);
        Snapshot.Verify(files);
    }

    [Fact]
    public void Lua_topics_that_declare_a_reply()
    {
        var files = GeneratorHarness.Run("", [new GeneratorHarness.Text("/app/lua/_index.yaml", """
            version: "1.0"
            namespace: app.calc
            entries:
              - name: calculator
                kind: process.lua
                source: |
                  local function main()
                    local inbox = process.inbox()
                    while true do
                      local msg = inbox:receive()
                      msg:reply(msg:payload() * 2)
                    end
                  end
                  return { main = main }
                meta:
                  topics:
                    log: string
                    double: { payload: long, reply: long }
                    describe: { reply: string? }
                    anything: { payload: any, reply: any }
                    table: { payload: PayloadTable, reply: Typed.Processes.PayloadTable }
            """)]);
        Snapshot.Verify(files);
    }
}
