using System.Diagnostics;
using System.Text;
using Xunit;

namespace Typed.Processes.Lua.Tests;

/// <summary>
/// An adversarial review of issue 10's features: coroutine.spawn, payload:data()'s metatables, the time and uuid
/// modules, type-annotation stripping and the API shape changes. Each test is an attack that must end (at most) the
/// attacking process, never the host or another process.
/// </summary>
public sealed class Issue10AttackTests : LuaTest
{
    private async Task<ProcessEvent> RunLua(string source, LuaOptions? options = null, params object?[] args) =>
        await Run(Lua(source, options: options), args);

    private async Task AssertReturns(object expected, string source, LuaOptions? options = null)
    {
        var exit = await RunLua(source, options);
        Assert.Null(exit.Error);
        Assert.Equal(expected, exit.Result);
    }

    // ---- type annotations ----------------------------------------------------------------------------------------

    [Fact]
    public void A_deeply_nested_type_does_not_overflow_the_stack()
    {
        // Each nesting level is several recursive frames of the type reader: 100,000 levels overflowed the host's
        // stack (a crash of the whole host, not an error), from one line of an entry's source.
        foreach (var (open, close) in new[] { ("{", "}"), ("(", ")"), ("{a: ", "}"), ("T<", ">") })
        {
            var src = "local x: " + string.Concat(Enumerable.Repeat(open, 100_000)) + "number" +
                      string.Concat(Enumerable.Repeat(close, 100_000)) + " = 1\nreturn x";
            byte[]? result = null;
            var t = new Thread(() => result = TypeAnnotations.Strip(Encoding.UTF8.GetBytes(src)), 1024 * 1024);
            t.Start();
            t.Join();
            Assert.NotNull(result);
        }
    }

    public static readonly TheoryData<string, int> Pathological = new()
    {
        // each read fails only at the end of the source, and the next attempt starts a token later
        { "x = a as typeof(", 40_000 },
        { "x = a as T@a(", 40_000 },
        { "interface A ", 40_000 },
        { "x = a :: typeof(", 40_000 },
    };

    [Theory]
    [MemberData(nameof(Pathological))]
    public void Stripping_takes_linear_time(string unit, int count)
    {
        // Quadratic before: 40,000 repetitions (about 600 KB) took minutes, holding the spawner's thread.
        var src = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat(unit, count)));
        var sw = Stopwatch.StartNew();
        TypeAnnotations.Strip(src);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), $"{sw.Elapsed} for {src.Length} bytes");
    }
}
