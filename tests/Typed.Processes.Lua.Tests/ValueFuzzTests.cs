using System.Globalization;
using System.Text;
using Xunit;

namespace Typed.Processes.Lua.Tests;

/// <summary>
/// Seeded fuzzing of the value bridge (issue 8): random nested payloads (depth up to 110, random widths, strings of
/// random bytes with NUL and invalid UTF-8, extreme integers, -0.0, infinities, NaN, booleans, keys of every
/// sendable type) go C# → Lua (spawn argument and message), Lua → Lua (message, spawn argument, exit result) and Lua → C#
/// (result). Each side computes a canonical dump of what it holds (sorted entries, strings and floats as hex bytes),
/// which must be identical; a payload nested deeper than 100 levels must be refused with a clear error.
/// A short run is part of the suite; <c>TP_FUZZ_ITERATIONS=200000</c> (and optionally <c>TP_FUZZ_SEED</c>) runs a
/// long one. Iteration i uses seed + i, so a failure names what reproduces it.
/// </summary>
public class ValueFuzzTests : LuaTest
{
    private const string Dump = """
        local function hex(s)
          local parts = {}
          for i = 1, #s, 4096 do
            local chunk = s:sub(i, i + 4095)
            parts[#parts + 1] = string.format(string.rep("%02x", #chunk), chunk:byte(1, -1))
          end
          return table.concat(parts)
        end
        -- byte order, not strcoll's (the host's locale may collate punctuation differently): the first difference
        -- by binary search over prefixes
        local function less(a, b)
          if a == b then return false end
          local lo, hi = 0, math.min(#a, #b)
          while lo < hi do
            local mid = (lo + hi + 1) // 2
            if a:sub(1, mid) == b:sub(1, mid) then lo = mid else hi = mid - 1 end
          end
          if lo == math.min(#a, #b) then return #a < #b end
          return a:byte(lo + 1) < b:byte(lo + 1)
        end
        local function dump(v)
          local t = type(v)
          if t == "nil" then return "n"
          elseif t == "boolean" then return v and "T" or "F"
          elseif t == "number" then
            if math.type(v) == "integer" then return "i" .. string.format("%d", v) end
            if v ~= v then return "fnan" end
            return "f" .. hex(string.pack("<d", v))
          elseif t == "string" then return "s" .. hex(v)
          elseif t == "table" then
            local parts = {}
            for k, x in pairs(v) do parts[#parts + 1] = dump(k) .. "=" .. dump(x) end
            table.sort(parts, less)
            return "{" .. table.concat(parts, ";") .. "}"
          end
          return "?" .. t
        end
        """;

    [Fact]
    public async Task Random_payloads_cross_every_boundary_byte_exact_or_are_refused()
    {
        int iterations = int.TryParse(Environment.GetEnvironmentVariable("TP_FUZZ_ITERATIONS"), out var n) ? n : 60;
        int seed = int.TryParse(Environment.GetEnvironmentVariable("TP_FUZZ_SEED"), out var s) ? s : 20261126;

        var echo = Lua("""return { main = function(v) if v ~= nil then return v end return process.inbox():receive():payload() end }""");
        var checker = Lua("return { main = function(v) " + Dump + $$"""
              local ev = process.events()
              local byMessage = process.spawn_monitored("{{echo}}", "app:processes")
              local ok, err = process.send(byMessage, "v", v)
              if not ok then return "send failed: " .. tostring(err) end
              local byArg, serr = process.spawn_monitored("{{echo}}", "app:processes", v)
              if not byArg then return "spawn failed: " .. tostring(serr) end
              local results = {}
              for i = 1, 2 do local e = ev:receive() results[e.from] = e end
              local m, a = results[byMessage], results[byArg]
              if m.error or a.error then return "echo failed: " .. tostring(m.error or a.error) end
              local fromCs = process.inbox():receive():payload()
              return dump(v) .. "|" .. dump(m.result) .. "|" .. dump(a.result) .. "|" .. dump(fromCs)
            end }
            """);
        var receiver = Runtime.Spawn(Lua("return { main = function() local i = process.inbox() while true do i:receive() end end }"), Host).Value;

        int refused = 0, deepest = 0;
        for (int i = 0; i < iterations; i++)
        {
            var random = new Random(seed + i);
            var value = Generate(random, deep: i % 10 == 3);
            var expected = DumpOf(value);
            int depth = DepthOf(value);
            deepest = Math.Max(deepest, depth);
            string where = $"TP_FUZZ_SEED={seed} iteration {i} (seed {seed + i}), depth {depth}";
            var spawned = Runtime.Start(checker, Host, value);
            var sent = Runtime.Send(receiver, "v", value);
            if (depth > LuaValues.MaxDepth)
            {
                refused++;
                Assert.False(spawned.Ok, where);
                Assert.Contains("table nested deeper than 100 levels", spawned.Error);
                Assert.False(sent.Ok, where);
                Assert.Contains("table nested deeper than 100 levels", sent.Error);
                continue;
            }
            Assert.True(spawned.Ok, where + ": " + (spawned.Ok ? "" : spawned.Error));
            Assert.True(sent.Ok, where + ": " + (sent.Ok ? "" : sent.Error));
            var toChecker = Runtime.Send(spawned.Value.Pid, "v", value); // C# → Lua by message
            Assert.True(toChecker.Ok, where + ": " + (toChecker.Ok ? "" : toChecker.Error));
            var exit = await spawned.Value.Exit.WaitAsync(Guard);
            Assert.True(exit.Error is null, where + ": " + exit.Error);
            var all = $"{expected}|{expected}|{expected}|{expected}";
            Assert.True(all == (string?)exit.Result, where + ": " + Difference(all, exit.Result as string));
            var back = await Run(echo, value);
            Assert.True(back.Error is null, where + ": " + back.Error);
            Assert.True(expected == DumpOf(back.Result), where + ": " + Difference(expected, DumpOf(back.Result)));
        }
        Assert.True(Runtime.IsAlive(receiver));
        if (iterations >= 60) Assert.True(refused > 0 && deepest > LuaValues.MaxDepth, "the generator must reach the depth limit");
    }

    private static string Difference(string expected, string? actual)
    {
        actual ??= "(null)";
        int i = 0;
        while (i < expected.Length && i < actual.Length && expected[i] == actual[i]) i++;
        string Around(string x) => x.Substring(Math.Max(0, i - 80), Math.Min(x.Length, i + 80) - Math.Max(0, i - 80));
        return $"dumps differ at {i}:\n expected ...{Around(expected)}...\n actual   ...{Around(actual)}...";
    }

    // ---- generator -----------------------------------------------------------------------------------------

    // One payload in ten goes around the depth limit (95..110), the rest are shallow and wide.
    private static PayloadTable Generate(Random r, bool deep) => Table(r, deep ? r.Next(95, 111) : r.Next(1, 7));

    // A table nested exactly `depth` levels: one child carries the rest of the depth, siblings are shallower.
    private static PayloadTable Table(Random r, int depth)
    {
        var pairs = new List<KeyValuePair<object, object?>>();
        // Deep spines stay narrow (a few scalars a level) so that a run checks many of them; shallow tables are wide.
        int width = depth > 8 ? r.Next(0, 3) : r.Next(8) == 0 ? r.Next(10, 40) : r.Next(0, 5);
        int items = r.Next(0, 4);
        for (int i = 0; i < items; i++) pairs.Add(new((long)(i + 1), Value(r, depth)));
        for (int i = 0; i < width; i++) pairs.Add(new(Key(r), Value(r, depth)));
        if (depth > 1) pairs.Add(new(Key(r), Table(r, depth - 1)));
        var t = PayloadTable.Create(pairs);
        // The key of the deep child may have collided with another key: make sure the depth is reached.
        return depth > 1 && DepthOf(t) < depth ? PayloadTable.Create(pairs.Append(new("deep\0" + depth, Table(r, depth - 1)))) : t;
    }

    private static object Value(Random r, int depth) => r.Next(10) switch
    {
        0 when depth is > 2 and <= 8 => Table(r, r.Next(1, Math.Min(depth - 1, 3) + 1)),
        1 or 2 => Integer(r),
        3 or 4 => Float(r),
        5 => r.Next(2) == 0,
        6 or 7 => Text(r),
        _ => Bytes(r),
    };

    private static object Key(Random r) => r.Next(6) switch
    {
        0 => Integer(r),
        1 => Float(r) is double d && !double.IsNaN(d) ? d : 0.5,
        2 => r.Next(2) == 0,
        3 => Bytes(r),
        _ => Text(r),
    };

    private static long Integer(Random r) => r.Next(6) switch
    {
        0 => long.MinValue,
        1 => long.MaxValue,
        2 => r.Next(-3, 4),
        _ => r.NextInt64(long.MinValue, long.MaxValue),
    };

    private static double Float(Random r) => r.Next(10) switch
    {
        0 => -0.0,
        1 => double.PositiveInfinity,
        2 => double.NegativeInfinity,
        3 => double.NaN,
        4 => Math.Pow(2, 63),
        5 => BitConverter.Int64BitsToDouble(r.NextInt64()), // any bits: subnormals, NaN payloads, huge values
        _ => (r.NextDouble() - 0.5) * Math.Pow(10, r.Next(-300, 300)),
    };

    private static readonly int[] CodePoints = [0, 'a', 'Z', 0x7F, 0xE9, 0x416, 0x43F, 0x65E5, 0x8A9E, 0x1F600, 0x10FFFF, 0xFFFD];

    private static string Text(Random r)
    {
        var sb = new StringBuilder();
        int n = r.Next(50) == 0 ? r.Next(500, 2000) : r.Next(0, 12);
        for (int i = 0; i < n; i++)
            sb.Append(char.ConvertFromUtf32(r.Next(3) == 0 ? CodePoints[r.Next(CodePoints.Length)] : r.Next(0x20, 0x7F)));
        return sb.ToString();
    }

    private static ByteString Bytes(Random r)
    {
        var b = new byte[r.Next(0, 24)];
        r.NextBytes(b);
        if (b.Length > 0 && r.Next(2) == 0) b[r.Next(b.Length)] = 0;
        if (b.Length > 0 && r.Next(2) == 0) b[r.Next(b.Length)] = 0xFF; // never valid UTF-8
        return new ByteString(b);
    }

    // ---- canonical dump (the same as the Lua one) ------------------------------------------------------------

    private static string Hex(ReadOnlySpan<byte> b) => Convert.ToHexString(b).ToLowerInvariant();

    internal static string DumpOf(object? v) => v switch
    {
        null => "n",
        bool b => b ? "T" : "F",
        long l => "i" + l.ToString(CultureInfo.InvariantCulture),
        double d => double.IsNaN(d) ? "fnan" : "f" + Hex(BitConverter.GetBytes(BitConverter.IsLittleEndian ? d : BitConverter.Int64BitsToDouble(System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(BitConverter.DoubleToInt64Bits(d))))),
        string s => "s" + Hex(Encoding.UTF8.GetBytes(s)),
        ByteString bs => "s" + Hex(bs.Span),
        PayloadTable t => "{" + string.Join(";", t.Items.Select((x, i) => DumpOf((long)(i + 1)) + "=" + DumpOf(x))
            .Concat(t.Fields.Select(kv => DumpOf(kv.Key) + "=" + DumpOf(kv.Value))).Order(StringComparer.Ordinal)) + "}",
        _ => "?" + v.GetType().Name,
    };

    private static int DepthOf(object? v) => v is PayloadTable t
        ? 1 + t.Items.Concat(t.Fields.Values).Select(DepthOf).DefaultIfEmpty(0).Max()
        : 0;
}
