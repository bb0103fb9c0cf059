using System.Collections.Immutable;
using Xunit;

namespace Typed.Processes.Lua.Tests;

/// <summary>Distinct .NET dictionary keys that are one Lua key are refused, not silently merged (nothing altered).</summary>
public class KeyCollisionTests : LuaTest
{
    private const string Dump = """
        return { main = function(t)
          local keys = {}
          for k, v in pairs(t) do keys[#keys + 1] = math.type(k) or type(k) end
          table.sort(keys)
          return table.concat(keys, ",")
        end }
        """;

    public static TheoryData<object, object, string, string> Colliding() => new()
    {
        { 1, 1L, "1 (Int32)", "1 (Int64)" },
        { 1L, 1.0, "1 (Int64)", "1 (Double)" },
        { "x", ByteString.FromString("x"), "'x'", "x (ByteString)" },
        { 'c', "c", "c (Char)", "'c'" },
    };

    [Theory]
    [MemberData(nameof(Colliding))]
    public async Task Keys_that_become_one_Lua_key_are_refused_to_the_sender(object first, object second, string a, string b)
    {
        // The dictionary's order decides which key is named first.
        var expected = $"the keys {a} and {b} are the same Lua key|the keys {b} and {a} are the same Lua key".Replace("(", @"\(").Replace(")", @"\)");
        var table = ImmutableDictionary<object, object>.Empty.Add(first, "first").Add(second, "second");
        var spawn = Runtime.Spawn(Lua(Dump), Host, table);
        Assert.False(spawn.Ok);
        Assert.Matches(expected, spawn.Error);
        var listener = Runtime.Start(Lua("return { main = function() return process.inbox():receive():payload() end }"), Host).Value;
        Assert.Matches(expected, Runtime.Send(listener.Pid, "t", table).Error);
        Runtime.Terminate(listener.Pid);
    }

    [Fact]
    public async Task Keys_that_stay_distinct_in_Lua_are_all_delivered()
    {
        var table = ImmutableDictionary<object, object>.Empty.Add(1L, "a").Add(1.5, "b").Add("1", "c").Add(true, "d");
        Assert.Equal("boolean,float,integer,string", (await Run(Lua(Dump), table)).Result);
    }
}
