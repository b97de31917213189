using System.Numerics;
using FxEngine.Transforms.Currency;

namespace FxEngine.Tests;

/// <summary>
/// Property: the converted amount equals the exact rational a * rT / rS rounded half away
/// from zero to the target's minor units, computed independently with BigInteger.
/// </summary>
public class ExactConversionTests
{
    [Theory]
    [InlineData(100, 1.34, 1, 2, 134)]        // 100 USD -> SGD
    [InlineData(155, 1.34, 155, 2, 1.34)]     // 155 JPY -> SGD
    [InlineData(1, 1, 1, 2, 1)]
    [InlineData(-2.5, 1, 1, 0, -3)]           // midpoint away from zero, negative
    [InlineData(2.5, 1, 1, 0, 3)]
    [InlineData(0.005, 1, 1, 2, 0.01)]
    [InlineData(-0.005, 1, 1, 2, -0.01)]
    [InlineData(1, 0.307, 1, 3, 0.307)]       // USD -> KWD, three places
    public void TryConvert_KnownValues_RoundsHalfAwayFromZero(double amount, double targetRate, double sourceRate, int scale, double expected)
    {
        var conversion = new ExactConversion((decimal)targetRate, (decimal)sourceRate);
        Assert.True(conversion.TryConvert((decimal)amount, scale, out var result));
        Assert.Equal((decimal)expected, result);
        Assert.Equal(scale, result.Scale);
    }

    [Fact]
    public void TryConvert_RandomAmountsAndRates_MatchesBigIntegerOracle()
    {
        var random = new Random(20261124);
        for (var i = 0; i < 200_000; i++)
        {
            var targetRate = RandomRate(random);
            var sourceRate = RandomRate(random);
            var scale = new[] { 0, 2, 2, 3 }[random.Next(4)];
            var conversion = new ExactConversion(targetRate, sourceRate);
            var amount = i % 5 == 0 ? Midpoint(conversion, random, scale) : RandomAmount(random);

            var expected = Oracle(amount, targetRate, sourceRate, scale);
            var ok = conversion.TryConvert(amount, scale, out var actual);
            Assert.True(ok == expected.HasValue, $"fit mismatch for {amount} * {targetRate} / {sourceRate} at scale {scale}");
            if (ok)
                Assert.True(expected == actual, $"{amount} * {targetRate} / {sourceRate} at scale {scale}: expected {expected}, got {actual}");
        }
    }

    [Fact]
    public void TryConvert_LargeAmounts_UpToTenToTheTwelve_AreExact()
    {
        var random = new Random(7);
        for (var i = 0; i < 50_000; i++)
        {
            var amount = Math.Round((decimal)random.NextDouble() * 1_000_000_000_000m, random.Next(0, 5)) * (random.Next(2) == 0 ? 1 : -1);
            var targetRate = RandomRate(random);
            var sourceRate = RandomRate(random);
            var scale = random.Next(0, 4);
            Assert.True(new ExactConversion(targetRate, sourceRate).TryConvert(amount, scale, out var actual));
            Assert.Equal(Oracle(amount, targetRate, sourceRate, scale), actual);
        }
    }

    /// <summary>Rates with OXR's shape: up to 6 decimals, magnitudes from 0.0001 to 100,000.</summary>
    private static decimal RandomRate(Random random)
    {
        var magnitude = random.Next(-4, 6);
        var digits = random.NextInt64(1, 10_000_000);
        var value = digits * (decimal)Math.Pow(10, magnitude) / 10_000_000m;
        return Math.Round(value, random.Next(0, 9)) is var rounded and > 0 ? rounded : 0.000001m;
    }

    private static decimal RandomAmount(Random random) =>
        Math.Round((decimal)(random.NextDouble() * Math.Pow(10, random.Next(0, 12))), random.Next(0, 5)) * (random.Next(10) == 0 ? -1 : 1);

    /// <summary>An amount whose exact converted value is a midpoint at the given scale, when one exists in few digits.</summary>
    private static decimal Midpoint(ExactConversion conversion, Random random, int scale)
    {
        // Pick a target-side midpoint (k + 0.5) / 10^scale and invert the factor through the rate
        // itself; the oracle decides what is right, so an inexact inversion is still a valid case.
        var k = random.Next(0, 1_000_000);
        var target = (k + 0.5m) / (decimal)Math.Pow(10, scale);
        Assert.True(conversion.TryConvert(1m, 12, out var rate));
        return Math.Round(target / Math.Max(rate, 0.000000000001m), 6);
    }

    private static decimal? Oracle(decimal amount, decimal targetRate, decimal sourceRate, int scale)
    {
        var (an, ad) = Fraction(amount);
        var (tn, td) = Fraction(targetRate);
        var (sn, sd) = Fraction(sourceRate);
        var numerator = an * tn * sd * BigInteger.Pow(10, scale);
        var denominator = ad * td * sn;
        var negative = numerator.Sign < 0;
        var quotient = BigInteger.DivRem(BigInteger.Abs(numerator), denominator, out var remainder);
        if (remainder * 2 >= denominator)
            quotient++;
        if (quotient >= BigInteger.Pow(2, 96))
            return null;
        var result = (decimal)quotient / (decimal)Math.Pow(10, scale);
        return negative ? -result : result;
    }

    private static (BigInteger Numerator, BigInteger Denominator) Fraction(decimal value)
    {
        var bits = decimal.GetBits(value);
        var mantissa = (new BigInteger((uint)bits[2]) << 64) | (new BigInteger((uint)bits[1]) << 32) | (uint)bits[0];
        var scale = (bits[3] >> 16) & 0xFF;
        return (bits[3] < 0 ? -mantissa : mantissa, BigInteger.Pow(10, scale));
    }
}
