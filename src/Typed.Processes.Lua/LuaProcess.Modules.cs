using System.Buffers.Binary;
using System.Security.Cryptography;
using KeraLua;

namespace Typed.Processes.Lua;

// The C# side of the time and uuid modules (stdlib.lua): the clock, time zone offsets and UUID generation. Same rules
// as the binding table (LuaProcess.Bindings.cs): no call back into Lua, strings read as bytes.
internal partial class LuaProcess
{
    private static readonly byte[] StdlibBytecode = LuaEntry.Compile(LoadResource("Typed.Processes.Lua.stdlib.lua"), "stdlib", strip: true);

    /// <summary>Unix seconds of the earliest and latest instants <see cref="DateTimeOffset"/> holds.</summary>
    private static readonly long MinUnixSeconds = DateTimeOffset.MinValue.ToUnixTimeSeconds(), MaxUnixSeconds = DateTimeOffset.MaxValue.ToUnixTimeSeconds();

    /// <summary>100 ns intervals from the Gregorian reform (1582-10-15, UUID v1's epoch) to the Unix epoch.</summary>
    private const long GregorianToUnixTicks = 0x01B21DD213814000;

    private static readonly (string Name, LuaFunction Fn)[] ModuleFunctions =
    [
        ("now", Fn((lua, p) =>
        {
            // Unix seconds and nanoseconds (100 ns precision), from the runtime's TimeProvider
            long ticks = (p.Runtime.Time.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks;
            long sec = Math.DivRem(ticks, TimeSpan.TicksPerSecond, out long rem);
            if (rem < 0) { sec--; rem += TimeSpan.TicksPerSecond; }
            lua.PushInteger(sec);
            lua.PushInteger(rem * 100);
            return 2;
        })),
        ("zone_offset", Fn((lua, p) =>
        {
            // (zone id or nil for the machine's zone, Unix seconds) -> the zone's UTC offset in seconds at that instant
            TimeZoneInfo zone;
            if (lua.Type(1) == LuaType.String)
            {
                var id = LuaNative.ToText(lua, 1) ?? "";
                if (FindZone(id) is not { } found) return Err(lua, $"unknown time zone '{Clip(id)}'");
                zone = found;
            }
            else zone = p.Runtime.Time.LocalTimeZone;
            long sec = Math.Clamp(lua.IsInteger(2) ? lua.ToInteger(2) : 0, MinUnixSeconds, MaxUnixSeconds);
            lua.PushInteger((long)zone.GetUtcOffset(DateTimeOffset.FromUnixTimeSeconds(sec)).TotalSeconds);
            return 1;
        })),
        ("uuid", Fn((lua, p) =>
        {
            Span<byte> b = stackalloc byte[16];
            switch (Str(lua, 1))
            {
                case "v4": Guid.NewGuid().TryWriteBytes(b, bigEndian: true, out _); break;
                case "v7": UuidV7.Write(b, p.Runtime.Time.GetUtcNow()); break;
                case "v1":
                {
                    // time-based: 60-bit timestamp, random clock sequence, random node with the multicast bit set
                    // (RFC 9562 5.1 / 6.10: no hardware address is used)
                    long t = (p.Runtime.Time.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks + GregorianToUnixTicks;
                    BinaryPrimitives.WriteUInt32BigEndian(b, (uint)t);
                    BinaryPrimitives.WriteUInt16BigEndian(b[4..], (ushort)(t >> 32));
                    BinaryPrimitives.WriteUInt16BigEndian(b[6..], (ushort)(((t >> 48) & 0x0fff) | 0x1000));
                    RandomNumberGenerator.Fill(b[8..]);
                    b[8] = (byte)((b[8] & 0x3f) | 0x80);
                    b[10] |= 0x01;
                    break;
                }
                case "v3" or "v5":
                {
                    // name-based: the hash of the namespace's 16 bytes then the name's bytes (the prelude checked both)
                    bool md5 = Str(lua, 1) == "v3";
                    var ns = Convert.FromHexString(LuaNative.ToText(lua, 2) ?? "");
                    var name = LuaNative.Bytes(lua, 3);
                    var data = new byte[ns.Length + name.Length];
                    ns.CopyTo(data, 0);
                    name.CopyTo(data.AsSpan(ns.Length));
                    // MD5 and SHA-1 are what RFC 9562 defines versions 3 and 5 with; nothing here is a security use
#pragma warning disable CA5350, CA5351
                    var hash = md5 ? MD5.HashData(data) : SHA1.HashData(data);
#pragma warning restore CA5350, CA5351
                    hash.AsSpan(0, 16).CopyTo(b);
                    b[6] = (byte)((b[6] & 0x0f) | (md5 ? 0x30 : 0x50));
                    b[8] = (byte)((b[8] & 0x3f) | 0x80);
                    break;
                }
                default: return Err(lua, "uuid: unknown version");
            }
            var hex = Convert.ToHexStringLower(b);
            LuaNative.PushText(lua, $"{hex[..8]}-{hex[8..12]}-{hex[12..16]}-{hex[16..20]}-{hex[20..]}");
            return 1;
        })),
    ];

    /// <summary>An IANA (or, on Windows, system) time zone by id; null if unknown or not a plain zone name (no
    /// path: letters, digits, '_', '+', '-' in '/'-separated parts).</summary>
    private static TimeZoneInfo? FindZone(string id)
    {
        if (id.Length is 0 or > 64) return null;
        foreach (var part in id.Split('/'))
            if (part.Length == 0 || !part.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '+' or '-')) return null;
        try { return TimeZoneInfo.FindSystemTimeZoneById(id); }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException or System.Security.SecurityException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}

