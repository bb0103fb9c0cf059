using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Typed.Processes.Lua;

/// <summary>
/// UUID version 7 (RFC 9562 5.7) that sort in the order they were made across the whole runtime, as Wippy's (Go's)
/// do: 48 bits of Unix milliseconds, then a 12-bit counter in <c>rand_a</c> (RFC 9562 6.2, method 1) that starts at a
/// random value in the lower half of its range each new millisecond and counts up within one; on overflow the
/// millisecond field moves on by one (the clock is then slightly ahead, which the RFC allows). The rest is random.
/// </summary>
internal static class UuidV7
{
    private static readonly Lock Gate = new();
    private static long s_lastMs = long.MinValue;
    private static int s_counter;

    public static void Write(Span<byte> b, DateTimeOffset now)
    {
        long ms = Math.Max(0, now.ToUnixTimeMilliseconds());
        int counter;
        lock (Gate)
        {
            if (ms > s_lastMs)
            {
                s_lastMs = ms;
                s_counter = RandomNumberGenerator.GetInt32(0x800);
            }
            else if (++s_counter > 0xFFF)
            {
                s_lastMs++;
                s_counter = 0;
            }
            (ms, counter) = (s_lastMs, s_counter);
        }
        RandomNumberGenerator.Fill(b[8..]);
        BinaryPrimitives.WriteUInt16BigEndian(b, (ushort)(ms >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(b[2..], (uint)ms);
        BinaryPrimitives.WriteUInt16BigEndian(b[6..], (ushort)(0x7000 | counter));
        b[8] = (byte)((b[8] & 0x3f) | 0x80);
    }
}
