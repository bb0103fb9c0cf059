namespace Typed.Processes;

/// <summary>
/// Lossless conversion between the built-in numeric types, for payloads, replies and spawn arguments whose receiver
/// expects another numeric type than the sender gave. Lua has only <see cref="long"/> integers and <see cref="double"/>
/// floats, so a Lua <c>42</c> sent to a handler of <see cref="int"/> arrives as the <see cref="int"/> 42, and a Lua
/// <c>3</c> sent to a handler of <see cref="double"/> arrives as 3.0. A value that would change (out of range, a
/// fraction into an integer, an integer above 2^53 into a <see cref="double"/>, NaN) is not converted: the receiver
/// refuses it as a wrong payload, as before.
/// </summary>
internal static class NumericPayload
{
    /// <summary>Converts <paramref name="value"/> to <paramref name="target"/> (or its underlying type when it is
    /// <c>Nullable&lt;T&gt;</c>) when both are numeric and the value survives the conversion exactly.</summary>
    public static bool TryConvert(object? value, Type target, out object? converted)
    {
        converted = null;
        if (value is null) return false;
        target = Nullable.GetUnderlyingType(target) ?? target;
        var to = Type.GetTypeCode(target);
        if (!IsNumeric(to) || target.IsEnum) return false;
        var from = Type.GetTypeCode(value.GetType());
        if (!IsNumeric(from) || value.GetType().IsEnum || from == to) return false;

        switch (from)
        {
            case TypeCode.Single or TypeCode.Double:
            {
                double d = from == TypeCode.Single ? (float)value : (double)value;
                if (double.IsNaN(d) || double.IsInfinity(d)) return FloatInto(to, d, out converted);
                if (Math.Floor(d) != d) return FloatInto(to, d, out converted);
                // An integral float: into an integer type when it is in range (Lua's math.tointeger rule).
                if (d >= -9223372036854775808.0 && d < 9223372036854775808.0) return IntegerInto(to, (long)d, out converted) || FloatInto(to, d, out converted);
                if (d >= 0 && d < 18446744073709551616.0) return UnsignedInto(to, (ulong)d, out converted) || FloatInto(to, d, out converted);
                return FloatInto(to, d, out converted);
            }
            case TypeCode.Decimal:
            {
                var m = (decimal)value;
                if (decimal.Truncate(m) == m)
                {
                    if (m >= long.MinValue && m <= long.MaxValue) return IntegerInto(to, (long)m, out converted) || DecimalIntoFloat(to, m, out converted);
                    if (m >= 0 && m <= ulong.MaxValue) return UnsignedInto(to, (ulong)m, out converted) || DecimalIntoFloat(to, m, out converted);
                }
                return DecimalIntoFloat(to, m, out converted);
            }
            case TypeCode.UInt64:
                return UnsignedInto(to, (ulong)value, out converted);
            default:
                return IntegerInto(to, Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture), out converted);
        }
    }

    private static bool IsNumeric(TypeCode code) => code is >= TypeCode.SByte and <= TypeCode.Decimal;

    private static bool IntegerInto(TypeCode to, long v, out object? converted)
    {
        converted = to switch
        {
            TypeCode.SByte when v is >= sbyte.MinValue and <= sbyte.MaxValue => (sbyte)v,
            TypeCode.Byte when v is >= byte.MinValue and <= byte.MaxValue => (byte)v,
            TypeCode.Int16 when v is >= short.MinValue and <= short.MaxValue => (short)v,
            TypeCode.UInt16 when v is >= ushort.MinValue and <= ushort.MaxValue => (ushort)v,
            TypeCode.Int32 when v is >= int.MinValue and <= int.MaxValue => (int)v,
            TypeCode.UInt32 when v is >= uint.MinValue and <= uint.MaxValue => (uint)v,
            TypeCode.Int64 => v,
            TypeCode.UInt64 when v >= 0 => (ulong)v,
            TypeCode.Single when v is >= -(1L << 24) and <= 1L << 24 => (float)v,
            TypeCode.Double when v is >= -(1L << 53) and <= 1L << 53 => (double)v,
            TypeCode.Decimal => (decimal)v,
            _ => null,
        };
        return converted is not null;
    }

    private static bool UnsignedInto(TypeCode to, ulong v, out object? converted)
    {
        if (v <= long.MaxValue) return IntegerInto(to, (long)v, out converted);
        converted = to switch
        {
            TypeCode.UInt64 => v,
            TypeCode.Decimal => (decimal)v,
            _ => null,
        };
        return converted is not null;
    }

    // A non-integral (or non-finite) float goes only into the other float type, and only when exact.
    private static bool FloatInto(TypeCode to, double d, out object? converted)
    {
        converted = to switch
        {
            TypeCode.Double => d,
            TypeCode.Single when double.IsNaN(d) || (double)(float)d == d => (float)d,
            TypeCode.Decimal when !double.IsNaN(d) && !double.IsInfinity(d) && Math.Abs(d) < 7.9e28 && (double)(decimal)d == d => (decimal)d,
            _ => null,
        };
        return converted is not null;
    }

    private static bool DecimalIntoFloat(TypeCode to, decimal m, out object? converted)
    {
        converted = null;
        if (to is not (TypeCode.Double or TypeCode.Single)) return false;
        var d = (double)m;
        if (Math.Abs(d) >= 79228162514264337593543950336.0) return false; // 2^96: decimal.MaxValue rounds up to it, past decimal
        if ((decimal)d != m) return false;
        return FloatInto(to, d, out converted);
    }
}
