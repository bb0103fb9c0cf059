using Microsoft.CodeAnalysis;
using Typed.Processes.Lua;

namespace Typed.Processes.EndToEnd;

/// <summary>Calls with typed replies through the generated <c>Call…Async</c> stubs: C# to C#, C# to Lua, in and out of processes.</summary>
public sealed class CallEndToEndTests() : RuntimeTestBase(withLuaApp: true)
{
    private static readonly TimeSpan Never = TimeSpan.FromMinutes(30); // a call timeout the test never reaches

    [Fact]
    public async Task A_CSharp_process_calls_a_CSharp_handler_and_gets_its_typed_reply()
    {
        var result = await Run(async ctx =>
        {
            var pricer = Pricer.Spawn(ctx, Host).Value;
            Result<Price> price = await ctx.CallPriceAsync(pricer, new PriceRequest("apple", 4));
            Result<long> priced = await ctx.CallPricedAsync(pricer, Never);
            ctx.SendStop(pricer).ThrowIfFailed();
            return $"{price.Value}|{priced.Value}";
        });
        Assert.Equal("Price { Item = apple, Amount = 6.0 }|1", result);

        // From outside any process, with the same stubs on the runtime.
        var outside = Pricer.Spawn(Runtime, Host).Value;
        var reply = await Runtime.CallPriceAsync(outside, new PriceRequest("pear", 2), Never, TestContext.Current.CancellationToken).AsTask().WaitAsync(Guard);
        Assert.Equal(new Price("pear", 3.0m), reply.Value);
        Runtime.SendStop(outside).ThrowIfFailed();
    }

    [Fact]
    public async Task Concurrent_calls_never_mix_whether_answered_at_once_or_later()
    {
        var pricer = Pricer.Spawn(Runtime, Host).Value;
        var now = Enumerable.Range(1, 50).Select(i => Runtime.CallPriceAsync(pricer, new PriceRequest($"item{i}", i), Never).AsTask()).ToArray();
        var later = Enumerable.Range(1, 5).Select(i => Runtime.CallHoldAsync(pricer, new PriceRequest($"held{i}", i), Never).AsTask()).ToArray();
        // "release" arrives after the five holds (one sender, one channel for the topics: arrival order), and answers
        // them last first.
        Runtime.SendRelease(pricer).ThrowIfFailed();
        var answered = await Task.WhenAll(now).WaitAsync(Guard);
        var held = await Task.WhenAll(later).WaitAsync(Guard);
        for (int i = 1; i <= 50; i++) Assert.Equal(new Price($"item{i}", 1.5m * i), answered[i - 1].Value);
        for (int i = 1; i <= 5; i++) Assert.Equal(new Price($"held{i}", 2m * i), held[i - 1].Value);
        Runtime.SendStop(pricer).ThrowIfFailed();
    }

    [Fact]
    public async Task A_plain_send_to_a_call_topic_runs_the_handler_and_drops_the_reply()
    {
        var pricer = Pricer.Spawn(Runtime, Host).Value;
        var exit = Runtime.WaitForExitAsync(pricer);
        Runtime.SendPrice(pricer, new PriceRequest("fig", 1)).ThrowIfFailed();
        Runtime.SendPrice(pricer, new PriceRequest("fig", 2)).ThrowIfFailed();
        var priced = await Runtime.CallPricedAsync(pricer, Never).AsTask().WaitAsync(Guard);
        Assert.Equal(2L, priced.Value);
        Assert.True(Runtime.IsAlive(pricer));
        Runtime.SendStop(pricer).ThrowIfFailed();
        Assert.Null((await exit.WaitAsync(Guard)).Error);
    }

    [Fact]
    public async Task A_call_to_a_topic_whose_handler_can_never_answer_fails_at_once_and_the_handler_still_runs()
    {
        var pricer = Pricer.Spawn(Runtime, Host).Value;
        var exit = Runtime.WaitForExitAsync(pricer);
        // "release" returns nothing, declares no Reply and takes no MessageContext: nothing could ever answer. The
        // timeout is never reached: the call fails as the handler is dispatched.
        // Untyped, as a Lua caller would (through the typed PID, TP0011 refuses it at compile time).
        var refused = await Runtime.CallAsync<object?>(pricer.ToString(), "release", null, Never).AsTask().WaitAsync(Guard);
        Assert.Contains("answers no calls", refused.Error);
        var priced = await Runtime.CallPricedAsync(pricer, Never).AsTask().WaitAsync(Guard); // still serving
        Assert.Equal(0L, priced.Value);
        Runtime.SendStop(pricer).ThrowIfFailed();
        Assert.Null((await exit.WaitAsync(Guard)).Error);
    }

    [Fact]
    public async Task A_handler_that_throws_ends_its_process_and_the_caller_gets_the_error_at_once()
    {
        var result = await Run(async ctx =>
        {
            var pricer = Pricer.SpawnMonitored(ctx, Host).Value;
            // The timeout is never reached: the call fails as the handler throws, through the call's own monitor.
            var failed = await ctx.CallFailAsync(pricer, "no stock", Never);
            var exit = await ctx.Events().ReceiveAsync();
            var again = await ctx.CallPricedAsync(pricer, Never); // the target is gone: an error at once as well
            return $"{failed.Error}\n{exit.Error}\n{again.Error}"; // not '|': PIDs contain it
        });
        var parts = ((string)result!).Split('\n');
        Assert.Contains("failed before replying", parts[0]);
        Assert.Contains("no stock", parts[0]);
        Assert.Contains("no stock", parts[1]);
        Assert.Contains("not found", parts[2]);
    }

    [Fact]
    public async Task CSharp_calls_a_Lua_entry_with_the_typed_stub_and_msg_reply_answers()
    {
        var result = await Run(async ctx =>
        {
            var calc = LuaEntries.AppE2e.Calc.Spawn(ctx, Host).Value;
            var calls = Enumerable.Range(1, 20).Select(i => ctx.CallDoubleAsync(calc, i, Never).AsTask()).ToArray();
            var replies = await Task.WhenAll(calls);
            ctx.SendStop(calc, null).ThrowIfFailed();
            return string.Join(",", replies.Select(r => r.Value));
        });
        Assert.Equal(string.Join(",", Enumerable.Range(1, 20).Select(i => 2L * i)), result);

        var outside = LuaEntries.AppE2e.Calc.Spawn(Runtime, Host).Value;
        Result<long> doubled = await Runtime.CallDoubleAsync(outside, 21, Never).AsTask().WaitAsync(Guard);
        Assert.Equal(42L, doubled.Value);
        Runtime.SendStop(outside, null).ThrowIfFailed();
    }

    private const string CallParameters =
        "ProcessContext ctx, Pid<Pricer> pricer, Pid<LuaEntries.AppE2e.Calc> calc, Pid<LuaEntries.AppE2e.Doubler> doubler";

    [Theory]
    [InlineData("await ctx.CallPriceAsync(pricer, \"apple\");", "CS1503")]                                          // wrong payload type
    [InlineData("await ctx.CallDoubleAsync(calc, \"two\");", "CS1503")]                                             // ... of a Lua call topic
    [InlineData("Result<string> r = await ctx.CallPriceAsync(pricer, new PriceRequest(\"a\", 1));", "CS0029")]     // wrong reply type
    [InlineData("Result<int> r = await ctx.CallDoubleAsync(calc, 2);", "CS0029")]                                   // a Lua long is not an int
    [InlineData("await ctx.CallStopAsync(pricer);", "CS1061")]                                                      // a topic without a reply has no call stub
    [InlineData("await ctx.CallTaskAsync(doubler, 1);", "CS1061")]                                                  // ... a Lua one neither
    [InlineData("await ctx.CallPriceAsync(calc, new PriceRequest(\"a\", 1));", "CS1503")]                          // a topic of another entry
    [InlineData("Result<Price> p = await ctx.CallPriceAsync(pricer, new PriceRequest(\"a\", 1), System.TimeSpan.FromSeconds(1), default); Result<long> d = await ctx.CallDoubleAsync(calc, 2); ctx.SendPrice(pricer, new PriceRequest(\"a\", 1));", null)]
    public void Mistakes_against_call_stubs_do_not_compile(string statement, string? expectedError)
    {
        var compilation = EndToEndTests.CompileCaller(statement, CallParameters);
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.Id).ToList();
        if (expectedError is null) Assert.Empty(errors);
        else Assert.Equal([expectedError], errors);
    }

    [Theory]
    [InlineData("await ctx.CallAsync<string>(pricer, \"price\", new PriceRequest(\"a\", 1), System.TimeSpan.FromSeconds(1));", "TP0011")]
    [InlineData("await ctx.CallAsync<long>(pricer, \"stop\", null, System.TimeSpan.FromSeconds(1));", "TP0011")]
    [InlineData("await ctx.CallAsync<double>(calc, \"double\", 2L, System.TimeSpan.FromSeconds(1));", "TP0011")]
    [InlineData("await ctx.CallAsync<long>(calc, \"double\", \"two\", System.TimeSpan.FromSeconds(1));", "TP0004")]
    [InlineData("await ctx.CallAsync<long>(calc, \"triple\", 2L, System.TimeSpan.FromSeconds(1));", "TP0001")]
    [InlineData("await ctx.CallAsync<Price>(pricer, \"price\", new PriceRequest(\"a\", 1), System.TimeSpan.FromSeconds(1)); await ctx.CallAsync<long>(calc, \"double\", 2L, System.TimeSpan.FromSeconds(1));", null)]
    public async Task The_analyzers_check_untyped_calls_against_the_topic_and_its_reply(string statement, string? expected)
    {
        var compilation = EndToEndTests.CompileCaller(statement, CallParameters);
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        var ids = await EndToEndTests.AnalyzerDiagnosticIds(compilation);
        if (expected is null) Assert.Empty(ids);
        else Assert.Equal([expected], ids);
    }
}
