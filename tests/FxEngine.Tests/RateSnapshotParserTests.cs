using FxEngine.Sources.Rates;
using static FxEngine.Tests.TestData;

namespace FxEngine.Tests;

public class RateSnapshotParserTests
{
    [Fact]
    public void Parse_OxrBody_KeepsEveryDigitAsDecimal()
    {
        var json = SnapshotJson(D("2024-03-01"), ("SGD", "1.342187"), ("EUR", "0.123456789012345678901234567"), ("JPY", "1.5e2"));
        var snapshot = RateSnapshotParser.Parse(Utf8(json), "test");
        Assert.Equal(D("2024-03-01"), snapshot.Date);
        Assert.Equal("USD", snapshot.Base);
        Assert.Equal(1.342187m, snapshot.Rates["SGD"]);
        Assert.Equal(0.123456789012345678901234567m, snapshot.Rates["EUR"]);
        Assert.Equal(150m, snapshot.Rates["JPY"]);
        Assert.Equal(1m, snapshot.Rates["USD"]); // the base is always quoted
    }

    [Fact]
    public void Parse_DateGiven_OverridesTimestampDate()
    {
        var snapshot = RateSnapshotParser.Parse(Utf8(SnapshotJson(D("2024-03-01"), ("SGD", "1.34"))), "test", D("2024-03-02"));
        Assert.Equal(D("2024-03-02"), snapshot.Date);
    }

    [Theory]
    [InlineData("{\"timestamp\":1,\"rates\":{\"SGD\":1.3}}", "no 'base'")]
    [InlineData("{\"timestamp\":1,\"base\":\"USD\"}", "no 'rates'")]
    [InlineData("{\"timestamp\":1,\"base\":\"USD\",\"rates\":{}}", "'rates' is empty")]
    [InlineData("{\"base\":\"USD\",\"rates\":{\"SGD\":1.3}}", "no 'timestamp'")]
    [InlineData("{\"timestamp\":1,\"base\":\"USD\",\"rates\":{\"SGD\":0}}", "rate for 'SGD' is 0, not a positive number")]
    [InlineData("{\"timestamp\":1,\"base\":\"USD\",\"rates\":{\"SGD\":-1.3}}", "not a positive number")]
    [InlineData("{\"timestamp\":1,\"base\":\"USD\",\"rates\":{\"SGD\":\"1.3\"}}", "rate for 'SGD' is not a number")]
    [InlineData("{\"timestamp\":1,\"base\":\"USD\",\"rates\":{\"SGD\":null}}", "rate for 'SGD' is not a number")]
    [InlineData("{\"timestamp\":1,\"base\":\"USD\",\"rates\":{\"SGD\":1e400}}", "does not fit in a decimal")]
    [InlineData("{\"timestamp\":1,\"base\":\"USD\",\"rates\":{\"SGD\":1.3,\"SGD\":1.4}}", "appears twice")]
    [InlineData("{\"timestamp\":1,\"base\":\"USD\",\"rates\":{\"EUR\":0.9},\"rates\":{\"SGD\":1.3}}", "'rates' appears twice")]
    [InlineData("{\"timestamp\":1,\"base\":\"USD\",\"base\":\"EUR\",\"rates\":{\"SGD\":1.3}}", "'base' appears twice")]
    [InlineData("{\"timestamp\":1,\"timestamp\":2,\"base\":\"USD\",\"rates\":{\"SGD\":1.3}}", "'timestamp' appears twice")]
    [InlineData("{\"timestamp\":1,\"base\":\"USD\",\"rates\":{\"USD\":2}}", "has rate 2, not 1")]
    [InlineData("{\"timestamp\":1,\"base\":\"usd!\",\"rates\":{\"SGD\":1.3}}", "not a currency code")]
    [InlineData("{\"error\":true,\"status\":401,\"message\":\"invalid_app_id\"}", "API error response")]
    [InlineData("[1,2]", "not a JSON object")]
    [InlineData("{\"timestamp\":1709251200000000,\"base\":\"USD\",\"rates\":{\"SGD\":1.3}}", "is not a Unix time in seconds")]
    [InlineData("{\"timestamp\":-5,\"base\":\"USD\",\"rates\":{\"SGD\":1.3}}", "is not a Unix time in seconds")]
    [InlineData("{\"timestamp\":253402300799,\"base\":\"USD\",\"rates\":{\"SGD\":1.3}}", "its date 9999-12-31 is after tomorrow (UTC)")]
    [InlineData("{\"timestamp\":1,\"base\":\"USD\",\"rates\":{\"SGD\":1.3", "malformed JSON")]
    public void Parse_InvalidSnapshot_FailsNamingOriginAndProblem(string json, string problem)
    {
        var error = Assert.Throws<FxException>(() => RateSnapshotParser.Parse(Utf8(json), "exchange_rates/2024-01-01.json"));
        Assert.StartsWith("exchange_rates/2024-01-01.json: ", error.Message);
        Assert.Contains(problem, error.Message);
    }

    [Theory]
    [InlineData(new byte[] { 0xFF, 0xFE })] // not UTF-8, in a name
    [InlineData(new byte[] { 0xC3 })] // a cut sequence
    public void Parse_NameNotUtf8_InvalidSnapshotNotACrash(byte[] bad)
    {
        var json = Utf8("{\"times").Concat(bad).Concat(Utf8("tamp\":1,\"base\":\"USD\",\"rates\":{\"SGD\":1.3}}")).ToArray();

        var error = Assert.Throws<FxException>(() => RateSnapshotParser.Parse(json, "exchange_rates/2024-01-01.json"));

        Assert.Equal(FxErrorCode.InvalidSnapshot, error.Code);
        Assert.Contains("a name or string is not valid Unicode text", error.Message);
    }

    [Fact]
    public void Parse_LoneSurrogateInBase_InvalidSnapshotNotACrash()
    {
        var error = Assert.Throws<FxException>(() => RateSnapshotParser.Parse(Utf8("{\"timestamp\":1,\"base\":\"\\uD800SD\",\"rates\":{\"SGD\":1.3}}"), "exchange_rates/2024-01-01.json"));

        Assert.Equal(FxErrorCode.InvalidSnapshot, error.Code);
    }

    [Fact]
    public void Parse_FileDatedAfterTomorrowOrBefore1970_Invalid()
    {
        var body = Utf8(SnapshotJson(D("2024-03-01"), ("SGD", "1.34")));
        Assert.Contains("its date 5000-01-01 is after tomorrow (UTC)",
            Assert.Throws<FxException>(() => RateSnapshotParser.Parse(body, "exchange_rates/5000-01-01.json", D("5000-01-01"))).Message);
        Assert.Contains("its date 0001-01-01 is before 1970",
            Assert.Throws<FxException>(() => RateSnapshotParser.Parse(body, "exchange_rates/0001-01-01.json", D("0001-01-01"))).Message);
        var tomorrow = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(1);
        Assert.Equal(tomorrow, RateSnapshotParser.Parse(body, "test", tomorrow).Date);
    }

    [Fact]
    public void SyntheticSource_SameDay_SameBytesAndPlausibleLevels()
    {
        var day = D("2024-06-15");
        var first = SyntheticRatesSource.Render(day);
        Assert.Equal(first, SyntheticRatesSource.Render(day));
        Assert.NotEqual(first, SyntheticRatesSource.Render(day.AddDays(1)));

        var snapshot = RateSnapshotParser.Parse(first, "synthetic", day);
        foreach (var (code, level) in SyntheticRatesSource.Levels)
        {
            var rate = snapshot.Rates[code];
            Assert.InRange(rate, level * 0.95m, level * 1.05m);
        }
        Assert.InRange(snapshot.Rates["SGD"], 1.27m, 1.41m);
    }
}
