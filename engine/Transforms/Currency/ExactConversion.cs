using System.Numerics;

namespace FxEngine.Transforms.Currency;

/// <summary>
/// The exact factor that converts an amount from one currency to another on one day:
/// rate[target] / rate[source] as a reduced fraction of integers, so that
/// amount * factor can be rounded once, exactly, to the target's minor units.
/// Decimal division alone would round the quotient to 28 digits first and could land on
/// the wrong side of a midpoint.
/// </summary>
internal sealed class ExactConversion
{
    private readonly BigInteger _numerator;
    private readonly BigInteger _denominator;
    private readonly UInt128 _smallNumerator;
    private readonly UInt128 _smallDenominator;
    private readonly bool _small;

    public ExactConversion(decimal targetRate, decimal sourceRate)
    {
        if (targetRate <= 0 || sourceRate <= 0)
            throw new ArgumentOutOfRangeException(nameof(targetRate), "rates must be positive");

        // target/source = (mT / 10^eT) / (mS / 10^eS) = (mT * 10^eS) / (mS * 10^eT)
        var (mT, eT) = Decompose(targetRate);
        var (mS, eS) = Decompose(sourceRate);
        var numerator = mT * BigInteger.Pow(10, eS);
        var denominator = mS * BigInteger.Pow(10, eT);
        var gcd = BigInteger.GreatestCommonDivisor(numerator, denominator);
        _numerator = numerator / gcd;
        _denominator = denominator / gcd;

        _small = _numerator <= MaxSmall && _denominator <= MaxSmall;
        if (_small)
        {
            _smallNumerator = (UInt128)_numerator;
            _smallDenominator = (UInt128)_denominator;
        }
    }

    // The fast path takes factors and amount mantissas below 2^64, so their product fits in a
    // UInt128; the power of ten is applied with checked arithmetic, and anything larger falls
    // back to BigInteger.
    private static readonly BigInteger MaxSmall = ulong.MaxValue;

    /// <summary>
    /// amount * factor rounded to <paramref name="scale"/> decimal places, midpoint away from
    /// zero; false when the result does not fit in a decimal.
    /// </summary>
    public bool TryConvert(decimal amount, int scale, out decimal result)
    {
        var (mantissa, exponent) = DecomposeSmall(amount, out var negative);
        // amount * n / d * 10^scale = mantissa * n * 10^(scale - exponent) / d
        var shift = scale - exponent;
        if (_small && mantissa <= ulong.MaxValue && TryConvertSmall((ulong)mantissa, shift, out var rounded))
            return TryCompose(rounded, scale, negative, out result);

        var bigNumerator = (BigInteger)mantissa * _numerator;
        var bigDenominator = _denominator;
        if (shift >= 0) bigNumerator *= BigInteger.Pow(10, shift);
        else bigDenominator *= BigInteger.Pow(10, -shift);
        var quotient = BigInteger.DivRem(bigNumerator, bigDenominator, out var remainder);
        if (remainder * 2 >= bigDenominator)
            quotient += 1;
        if (quotient > MaxDecimalMantissa)
        {
            result = 0;
            return false;
        }
        return TryCompose((UInt128)quotient, scale, negative, out result);
    }

    /// <summary>The factor as a reduced fraction, for executors that redo the arithmetic (SQL).</summary>
    internal BigInteger Numerator => _numerator;
    internal BigInteger Denominator => _denominator;

    private bool TryConvertSmall(ulong mantissa, int shift, out UInt128 rounded)
    {
        rounded = 0;
        if (shift < -19 || shift > 19)
            return false;
        UInt128 numerator = (UInt128)mantissa * _smallNumerator; // < 2^128: both factors < 2^64
        var denominator = _smallDenominator;
        var power = (UInt128)Pow10[Math.Abs(shift)];
        try
        {
            if (shift >= 0) numerator = checked(numerator * power);
            else denominator = checked(denominator * power);
        }
        catch (OverflowException)
        {
            return false;
        }
        var quotient = UInt128.DivRem(numerator, denominator);
        rounded = quotient.Quotient;
        // remainder >= denominator/2, written without overflow as remainder >= denominator - remainder
        if (quotient.Remainder >= denominator - quotient.Remainder)
            rounded += 1;
        return true;
    }

    private static readonly UInt128 MaxDecimalMantissa = (UInt128.One << 96) - 1;

    private static readonly ulong[] Pow10 = Enumerable.Range(0, 20).Select(i => (ulong)BigInteger.Pow(10, i)).ToArray();

    private static bool TryCompose(UInt128 mantissa, int scale, bool negative, out decimal result)
    {
        if (mantissa > MaxDecimalMantissa || scale > 28)
        {
            result = 0;
            return false;
        }
        result = new decimal((int)(uint)mantissa, (int)(uint)(mantissa >> 32), (int)(uint)(mantissa >> 64), negative && mantissa != 0, (byte)scale);
        return true;
    }

    private static (BigInteger Mantissa, int Exponent) Decompose(decimal value)
    {
        var mantissa = DecomposeSmall(value, out var negative);
        return (negative ? -(BigInteger)mantissa.Mantissa : (BigInteger)mantissa.Mantissa, mantissa.Exponent);
    }

    private static (UInt128 Mantissa, int Exponent) DecomposeSmall(decimal value, out bool negative)
    {
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(value, bits);
        negative = bits[3] < 0;
        var mantissa = ((UInt128)(uint)bits[2] << 64) | ((UInt128)(uint)bits[1] << 32) | (uint)bits[0];
        return (mantissa, (bits[3] >> 16) & 0xFF);
    }
}
