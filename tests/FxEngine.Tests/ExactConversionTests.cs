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
            var amount = RandomAmount(random);

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

    [Fact]
    public void TryConvert_ExactMidpoints_RoundAwayFromZero()
    {
        // Target rates made of 2s and 5s only, so (k + 1/2) / 10^scale * source / target is a
        // finite decimal: an amount whose converted value lies exactly on a midpoint.
        decimal[] targets = [0.5m, 1.25m, 0.8m, 2m, 4m, 0.25m, 1.6m, 3.2m, 0.125m, 6.25m];
        var random = new Random(99);
        var midpoints = 0;
        for (var i = 0; i < 20_000; i++)
        {
            var target = targets[random.Next(targets.Length)];
            var source = RandomRate(random);
            var scale = new[] { 0, 2, 3 }[random.Next(3)];
            var k = random.Next(0, 1_000_000);
            var amount = (2 * k + 1) * source / (2 * target * (decimal)Math.Pow(10, scale));
            if (amount.Scale > 20)
                continue; // not exactly representable after all
            amount = random.Next(2) == 0 ? amount : -amount;
            var expected = Oracle(amount, target, source, scale);
            Assert.True(new ExactConversion(target, source).TryConvert(amount, scale, out var actual));
            Assert.Equal(expected, actual);
            // On a midpoint, half away from zero: the magnitude is k + 1 units of the last place.
            if (Math.Abs(actual) * (decimal)Math.Pow(10, scale) == k + 1)
                midpoints++;
        }
        Assert.True(midpoints > 10_000, $"only {midpoints} exact midpoints were exercised");
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
