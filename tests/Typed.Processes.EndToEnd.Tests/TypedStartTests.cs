using Microsoft.CodeAnalysis;
using Typed.Processes.Lua;

namespace Typed.Processes.EndToEnd;

/// <summary>Typed start from outside any process (Start, RunAsync), typed Lua arguments (meta.args) and typed hosts (HostRef).</summary>
public sealed class TypedStartTests() : RuntimeTestBase(withLuaApp: true)
{
    [Fact]
    public async Task RunAsync_returns_main_s_result_typed()
    {
        Result<long> total = await Orders.RunAsync(Runtime, ProcessReferences.Hosts.AppE2e, 42).WaitAsync(Guard);
        Assert.Equal(420L, total.Value);

        var (pid, exit) = Orders.Start(Runtime, ProcessReferences.Hosts.AppE2e, 5).Value;
        Pid<Orders> typed = pid;
        Assert.Equal(Orders.EntryReference, ((Pid)typed).Entry);
        Assert.Equal(50L, (await exit.WaitAsync(Guard)).Result);
    }

    [Fact]
    public async Task A_Lua_entry_with_meta_args_runs_with_typed_arguments()
    {
        var sum = await LuaEntries.AppE2e.Summer.RunAsync(Runtime, ProcessReferences.Hosts.AppE2e, 20, 22).WaitAsync(Guard);
        Assert.Equal(42L, sum.Value);
    }

    [Fact]
    public async Task SpawnLinkedMonitored_is_typed_too()
    {
        var entry = "test:p" + Guid.NewGuid().ToString("N")[..8];
        Runtime.Entries.Add(entry, async ctx =>
        {
            var summer = LuaEntries.AppE2e.Summer.SpawnLinkedMonitored(ctx, ProcessReferences.Hosts.AppE2e, 1, 2).Value;
            var exit = await ctx.Events().ReceiveAsync();
            return $"{exit.From == (Pid)summer}|{exit.Result}";
        });
        var run = await Runtime.RunAsync(entry, ProcessReferences.Hosts.AppE2e).WaitAsync(Guard);
        Assert.Equal("True|3", run.Result);
    }

    [Fact]
    public async Task A_single_array_argument_reaches_main_as_one_argument_through_every_stub()
    {
        string[] words = ["a", "b", "c"];
        Assert.Equal("a+b+c", (await Joiner.RunAsync(Runtime, ProcessReferences.Hosts.AppE2e, words).WaitAsync(Guard)).Value);
        var entry = "test:j" + Guid.NewGuid().ToString("N")[..8];
        Runtime.Entries.Add(entry, async ctx =>
        {
            Joiner.SpawnMonitored(ctx, ProcessReferences.Hosts.AppE2e, words).ThrowIfFailed();
            var exit = await ctx.Events().ReceiveAsync();
            return $"{exit.Result}{exit.Error}";
        });
        var run = await Runtime.RunAsync(entry, ProcessReferences.Hosts.AppE2e).WaitAsync(Guard);
        Assert.Equal("a+b+c", run.Result);
    }

    [Fact]
    public async Task A_default_HostRef_is_an_error_result()
    {
        Assert.Equal("host reference is null", (await Orders.RunAsync(Runtime, default, 1).WaitAsync(Guard)).Error);
        Assert.Equal("host reference is null", Orders.Start(Runtime, default, 1).Error);
        Assert.Equal("host reference is null", Orders.Spawn(Runtime, default, 1).Error);
    }

    [Theory]
    [InlineData("Orders.RunAsync(ctx.Runtime, new HostRef(\"app:e2e\"), \"x\");", "CS1503")]          // wrong argument type
    [InlineData("Orders.Spawn(ctx, \"app:e2e\", 1L);", "CS1503")]                                      // a string is not a host
    [InlineData("Adder.SpawnMonitored(ctx, \"app:e2e\", 1L, 2L);", "CS1503")]
    [InlineData("LuaEntries.AppE2e.Summer.Spawn(ctx, new HostRef(\"app:e2e\"), \"x\", 1L);", "CS1503")]  // meta.args says long
    [InlineData("LuaEntries.AppE2e.Summer.Spawn(ctx, new HostRef(\"app:e2e\"), 1L);", "CS1501")]        // an argument missing
    [InlineData("Orders.Start(ctx.Runtime, new HostRef(\"app:e2e\"), 1L, System.Threading.CancellationToken.None);", "CS1501")]
    [InlineData("Orders.RunAsync(ctx.Runtime, new HostRef(\"app:e2e\"), 42, System.Threading.CancellationToken.None); LuaEntries.AppE2e.Summer.Start(ctx.Runtime, new HostRef(\"app:e2e\"), 1, 2);", null)]
    public void Mistakes_against_typed_start_stubs_do_not_compile(string statement, string? expectedError)
    {
        var compilation = EndToEndTests.CompileCaller(statement);
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.Id).ToList();
        if (expectedError is null) Assert.Empty(errors);
        else Assert.Equal([expectedError], errors);
    }
}
