using System.Collections.Immutable;
using KeraLua;
using Xunit;

namespace Typed.Processes.Lua.Tests;

/// <summary>
/// <see cref="LuaValues.EstimateSize"/> must be an upper bound of what a push allocates: C# pushes run with the memory
/// ceiling lifted by the estimate (plus a 64 KB slack), so an underestimate could let a push fail with a memory error
/// that would cross managed frames.
/// </summary>
public class EstimateSizeTests
{
    public static TheoryData<string> Payloads() => new(Builders.Keys);

    private static readonly Dictionary<string, Func<object?>> Builders = new()
    {
        ["short strings"] = () => PayloadTable.FromItems(Enumerable.Range(0, 100_000).Select(i => (object?)("k" + i)).ToArray()),
        ["string keys"] = () => PayloadTable.Create(Enumerable.Range(0, 50_000).Select(i => new KeyValuePair<object, object?>("key" + i, (long)i))),
        ["long string"] = () => new string('x', 1 << 20),
        ["utf8 string"] = () => string.Concat(Enumerable.Repeat("привет 日本 😀", 10_000)),
        ["bytes"] = () => new ByteString(new byte[300_000]),
        ["nested"] = () => Enumerable.Range(0, 99).Aggregate(PayloadTable.FromItems("leaf", 1L, 2.5), (t, i) => PayloadTable.FromItems(t, "s" + i, (long)i)),
        ["many small tables"] = () => PayloadTable.FromItems(Enumerable.Range(0, 20_000).Select(i => (object?)PayloadTable.FromItems((long)i, "v")).ToArray()),
        ["immutable collections"] = () => ImmutableDictionary.CreateRange(Enumerable.Range(0, 5_000).Select(i => KeyValuePair.Create("k" + i, (object)ImmutableList.Create(1L, 2L, 3L)))),
        ["array"] = () => Enumerable.Range(0, 50_000).Select(i => (object?)(long)i).ToArray(),
    };

    [Theory]
    [MemberData(nameof(Payloads))]
    public void Estimate_is_an_upper_bound_of_what_a_push_allocates(string name)
    {
        var payload = Builders[name]();
        using var lua = new KeraLua.Lua(true);
        lua.GarbageCollector(LuaGC.Stop, 0); // nothing freed while measuring
        long before = Bytes(lua);
        Assert.Null(LuaValues.Push(lua, payload, null));
        long used = Bytes(lua) - before;
        long estimate = LuaValues.EstimateSize(payload);
        // The string table doubles when full: the payload's own share (16 bytes a short string) is in the estimate; the
        // share of the strings already in the state (about a thousand in a fresh one) is not, since a refused growth
        // is harmless (luaS_resize keeps the old table).
        Assert.True(used <= estimate + StringTableShare, $"{name}: pushed {used} bytes, estimated {estimate}");
        Assert.True(estimate < used * 3 + 4096, $"{name}: estimate {estimate} is far above the {used} bytes pushed");
    }

    private const long StringTableShare = 16 * 1024;

    private static long Bytes(KeraLua.Lua lua) => lua.GarbageCollector(LuaGC.Count, 0) * 1024L + lua.GarbageCollector(LuaGC.Countb, 0);
}
