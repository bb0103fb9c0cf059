using System.Collections.Immutable;
using System.Text;
using Xunit;

namespace Typed.Processes.Lua.Tests;

/// <summary>Issue 8 item 1: Lua strings are bytes and cross every boundary byte-exact.</summary>
public class BytesTests : LuaTest
{
    private const string Text = "héllo привет 日本語 😀";

    // A Lua helper: the lowercase hex of a string's bytes.
    private const string Hex = """local function hex(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end""";

    private static string HexOf(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes).ToLowerInvariant();

    [Fact]
    public async Task Utf8_literals_in_a_source_keep_their_bytes()
    {
        var e = Lua("""return { main = function() return { #"héllo привет", #"日本語", #"😀", "héllo привет" } end }""");
        var t = Assert.IsType<PayloadTable>((await Run(e)).Result);
        Assert.Equal([19L, 9L, 4L, "héllo привет"], t.Items);
    }

    [Fact]
    public async Task A_csharp_string_arrives_in_lua_as_its_utf8_bytes_and_comes_back_equal()
    {
        var e = Lua("return { main = function(s) " + Hex + " return { hex(s), #s, s } end }");
        var t = Assert.IsType<PayloadTable>((await Run(e, Text + "\0end")).Result);
        Assert.Equal(HexOf(Encoding.UTF8.GetBytes(Text + "\0end")), t.Items[0]);
        Assert.Equal((long)Encoding.UTF8.GetByteCount(Text + "\0end"), t.Items[1]);
        Assert.Equal(Text + "\0end", t.Items[2]);
    }

    [Fact]
    public async Task Every_byte_value_crosses_lua_to_lua_by_message_spawn_argument_and_result()
    {
        var echo = Lua("""return { main = function(arg) if arg ~= nil then return arg end return process.inbox():receive():payload() end }""");
        var e = Lua($$"""
            return { main = function()
              local b = {}
              for i = 0, 255 do b[#b + 1] = string.char(i) end
              local all = table.concat(b) .. "\0" .. "héllo привет 日本語 😀"
              local ev = process.events()
              local viaMsg = process.spawn_monitored("{{echo}}", "app:processes")
              process.send(viaMsg, "v", { s = all, [all] = "key" })
              local r1 = ev:receive().result
              process.spawn_monitored("{{echo}}", "app:processes", { s = all, [all] = "key" })
              local r2 = ev:receive().result
              assert(r1.s == all and r1[all] == "key", "message changed the bytes")
              assert(r2.s == all and r2[all] == "key", "spawn argument or result changed the bytes")
              return all
            end }
            """);
        var exit = await Run(e);
        Assert.Null(exit.Error);
        // Not valid UTF-8 (bytes 0x80..0xFF alone): a ByteString with exactly those bytes.
        var expected = Enumerable.Range(0, 256).Select(i => (byte)i).Concat([(byte)0]).Concat(Encoding.UTF8.GetBytes(Text)).ToArray();
        var bs = Assert.IsType<ByteString>(exit.Result);
        Assert.Equal(expected, bs.ToArray());
        Assert.True(ByteString.TryGetBytes(bs, out var raw));
        Assert.Equal(expected, raw.ToArray());
    }

    [Fact]
    public async Task Binary_from_csharp_arrives_as_the_same_bytes_and_round_trips()
    {
        var bytes = Enumerable.Range(0, 256).Select(i => (byte)(255 - i)).ToArray();
        var e = Lua("return { main = function(a, b, c) " + Hex + " return { hex(a), hex(b), hex(c), a } end }");
        var t = Assert.IsType<PayloadTable>((await Run(e, new ByteString(bytes), bytes, ImmutableArray.Create(bytes))).Result);
        Assert.Equal(HexOf(bytes), t.Items[0]);
        Assert.Equal(HexOf(bytes), t.Items[1]);
        Assert.Equal(HexOf(bytes), t.Items[2]);
        Assert.Equal(new ByteString(bytes), t.Items[3]);
    }

    [Fact]
    public async Task Valid_utf8_with_nul_is_a_string_and_its_utf8_is_the_lua_bytes()
    {
        var e = Lua("""return { main = function() return "a\0ö\0" end }""");
        var s = Assert.IsType<string>((await Run(e)).Result);
        Assert.Equal("a\0ö\0", s);
        Assert.True(ByteString.TryGetBytes(s, out var raw));
        Assert.Equal(new byte[] { 0x61, 0, 0xC3, 0xB6, 0 }, raw.ToArray());
    }

    [Fact]
    public async Task Table_keys_follow_the_same_rule_as_values()
    {
        var e = Lua("""return { main = function() return { ["ключ"] = 1, ["\xff\xfe"] = 2 } end }""");
        var t = Assert.IsType<PayloadTable>((await Run(e)).Result);
        Assert.Equal(1L, t["ключ"]);
        Assert.Equal(2L, t.Fields[new ByteString([0xFF, 0xFE])]);
    }

    [Fact]
    public async Task Print_and_errors_are_decoded_as_utf8()
    {
        var e = Lua("""return { main = function() print("печать 日本 😀") error("ошибка 错误", 0) end }""");
        var exit = await Run(e);
        Assert.Equal("ошибка 错误", exit.Error);
        Assert.Contains(Log.Lines, l => l.Contains("печать 日本 😀"));
    }

    [Fact]
    public async Task A_csharp_message_arrives_as_utf8_and_a_bytestring_as_its_bytes()
    {
        var e = Lua("return { main = function() " + Hex + """
              local inbox = process.inbox()
              local a = inbox:receive():payload()
              local b = inbox:receive():payload()
              return hex(a) .. "|" .. hex(b)
            end }
            """);
        var pid = Runtime.Spawn(e, Host).Value;
        var exit = Runtime.WaitForExitAsync(pid);
        Runtime.Send(pid, "t", Text).ThrowIfFailed();
        Runtime.Send(pid, "t", new ByteString([0, 0x80, 0xFF])).ThrowIfFailed();
        Assert.Equal(HexOf(Encoding.UTF8.GetBytes(Text)) + "|0080ff", (await exit.WaitAsync(Guard)).Result);
    }

    [Fact]
    public async Task Library_names_and_sources_are_utf8()
    {
        var reference = "test:lib" + Guid.NewGuid().ToString("N")[..8];
        Runtime.Entries.Add(new LuaEntry(reference, """return { main = function() local m = require("модуль") return { m.x, #m.x } end }""",
            reference + ".lua", libraries: [new LuaLibrary("модуль", "return { x = 'ё' }", "модуль.lua")]));
        var exit = await Run(reference);
        Assert.Null(exit.Error);
        Assert.Equal(["ё", 2L], Assert.IsType<PayloadTable>(exit.Result).Items);
    }

    [Fact]
    public void ByteString_has_value_semantics()
    {
        var a = ByteString.FromString("привет");
        var b = new ByteString(Encoding.UTF8.GetBytes("привет"));
        Assert.Equal(a, b);
        Assert.True(a == b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.Equal("привет", a.ToString());
        Assert.NotEqual(a, new ByteString([1, 2]));
        Assert.Equal("\uFFFD", new ByteString([0xFF]).ToString());
        Assert.True(Payloads.Prepare(a).Ok);
        Assert.False(ByteString.TryGetBytes(42, out _));
    }
}
