using FxEngine.Data;
using FxEngine.Transforms;
using Parquet.Schema;
using static FxEngine.Tests.TestData;

namespace FxEngine.Tests;

public class KeyColumnsTests
{
    [Theory]
    [InlineData("2024-05-01", "2024-05-01")]
    [InlineData(" 2024-05-01 ", "2024-05-01")]
    [InlineData("2024-05-01T23:30:00Z", "2024-05-01")]
    [InlineData("2024-05-01 23:30:00", "2024-05-01")]
    [InlineData("2024-05-01T23:30", "2024-05-01")]
    [InlineData("2024-05-02 01:30:00+08:00", "2024-05-01")]
    [InlineData("2024-05-01T23:30:00-05:00", "2024-05-02")]
    [InlineData("2024-05-01T23:30:00-0500", "2024-05-02")]
    [InlineData("2024-05-01T23:30:00-05", "2024-05-02")]
    [InlineData("2024-05-01T23:30:00.1234567Z", "2024-05-01")]
    [InlineData("2024-05-01T23:59:59.999999999-00:01", "2024-05-02")]
    public void ParseDay_IsoDateOrTimestamp_ItsUtcDay(string text, string day) =>
        Assert.Equal(D(day).DayNumber, KeyColumns.ParseDay(text));

    [Theory]
    [InlineData("03/04/2024 10:00")]
    [InlineData("04/03/2024")]
    [InlineData("May 1 2024 10:00")]
    [InlineData("Wed, 01 May 2024 10:00:00 GMT")]
    [InlineData("2024-05-01 23:30:00 UTC")]
    [InlineData("2024-5-1")]
    [InlineData("2024-05-01T24:30:00")]
    [InlineData("")]
    public void ParseDay_NotIso_NoDay(string text) =>
        Assert.Equal(KeyColumns.NoDay, KeyColumns.ParseDay(text));

    [Theory]
    [InlineData("150.25", "150.25")]
    [InlineData(" -0012.50 ", "-12.50")]
    [InlineData("1234567890.123456789012345678", "1234567890.123456789012345678")]       // 28 digits: exact
    [InlineData("12345678901.1234567890123456780000", "12345678901.123456789012345678")] // 29 significant, zeros after
    [InlineData("0.0000000000000000000000000001", "0.0000000000000000000000000001")]
    public void ParseAmount_WithinADecimal_Exactly(string text, string expected) =>
        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), KeyColumns.ParseAmount(text));

    [Theory]
    [InlineData("123456789012.004999999999999999")] // .NET reads ...005: a cent more in SGD
    [InlineData("0.00000000000000000000000000001")] // .NET reads 0
    [InlineData("99999999999999999999999999999")]
    [InlineData("1e3")]
    public void ParseAmount_MoreThanADecimalHoldsOrNotPlain_None(string text) =>
        Assert.Null(KeyColumns.ParseAmount(text));

    [Fact]
    public void Amounts_Floats_TheDecimalTheirWriterMeant()
    {
        var floats = new RequiredColumn<float>(new DataField<float>("amount", nullable: false), [0.01f, 19.99f, -3.3f, float.NaN]);
        var doubles = new OptionalColumn<double>(new DataField<double>("amount", nullable: true), [0.1, 19.99, null, double.PositiveInfinity]);
        var fromFloats = new decimal?[4];
        var fromDoubles = new decimal?[4];
        KeyColumns.Amounts(floats, fromFloats);
        KeyColumns.Amounts(doubles, fromDoubles);
        Assert.Equal([0.01m, 19.99m, -3.3m, null], fromFloats);
        Assert.Equal([0.1m, 19.99m, null, null], fromDoubles);
    }
}
