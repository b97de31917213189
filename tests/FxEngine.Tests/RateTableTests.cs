using FxEngine.Sources.Rates;
using FxEngine.Transforms;
using static FxEngine.Tests.TestData;

namespace FxEngine.Tests;

public class RateTableTests
{
    private static RateSnapshot Snapshot(string date, params (string, string)[] rates) =>
        RateSnapshotParser.Parse(Utf8(SnapshotJson(D(date), rates)), date, D(date));

    private static readonly RateSnapshot[] Snapshots =
    [
        Snapshot("2024-01-01", ("SGD", "1.30"), ("EUR", "0.90")),
        Snapshot("2024-01-02", ("SGD", "1.32"), ("EUR", "0.91")),
        // 01-03 to 01-04 missing: a gap
        Snapshot("2024-01-05", ("SGD", "1.35")),                  // no EUR this day
        Snapshot("2024-01-06", ("EUR", "0.95")),                  // no SGD: useless for an SGD target
    ];

    [Fact]
    public void Lookup_DayWithSnapshot_UsesThatDay()
    {
        var table = new RateTable(Snapshots, "SGD", 7);
        var entry = table.Lookup(D("2024-01-02"), table.IndexOf("EUR"));
        Assert.NotNull(entry);
        Assert.Equal(D("2024-01-02"), entry.RateDate);
        Assert.True(entry.Conversion.TryConvert(91m, 2, out var sgd));
        Assert.Equal(132.00m, sgd);
    }

    [Fact]
    public void Lookup_Gap_UsesLatestEarlierSnapshot()
    {
        var table = new RateTable(Snapshots, "SGD", 7);
        Assert.Equal(D("2024-01-02"), table.Lookup(D("2024-01-04"), table.IndexOf("EUR"))!.RateDate);
    }

    [Fact]
    public void Lookup_SnapshotWithoutCurrency_FallsBackToOlderOneHoldingBoth()
    {
        var table = new RateTable(Snapshots, "SGD", 7);
        // 01-05 has SGD but no EUR; 01-06 has EUR but no SGD: both are skipped for EUR.
        Assert.Equal(D("2024-01-02"), table.Lookup(D("2024-01-06"), table.IndexOf("EUR"))!.RateDate);
        Assert.Equal(D("2024-01-05"), table.Lookup(D("2024-01-06"), table.IndexOf("USD"))!.RateDate);
    }

    [Fact]
    public void Lookup_BeyondStaleLimit_HasNoRate()
    {
        var table = new RateTable(Snapshots, "SGD", 2);
        Assert.NotNull(table.Lookup(D("2024-01-04"), table.IndexOf("EUR")));  // 2 days old
        Assert.Null(table.Lookup(D("2024-01-05"), table.IndexOf("EUR")));     // 3 days old
        Assert.NotNull(table.Lookup(D("2024-01-07"), table.IndexOf("USD")));  // 2 days after 01-05
        Assert.Null(table.Lookup(D("2024-01-08"), table.IndexOf("USD")));
    }

    [Fact]
    public void Lookup_BeforeFirstSnapshot_HasNoRate()
    {
        var table = new RateTable(Snapshots, "SGD", 7);
        Assert.Null(table.Lookup(D("2023-12-31"), table.IndexOf("EUR")));
        Assert.Null(table.Lookup(D("1999-01-01"), table.IndexOf("EUR")));
    }

    [Fact]
    public void Lookup_Target_RateIsExactlyOne()
    {
        var table = new RateTable(Snapshots, "SGD", 7);
        var entry = table.Lookup(D("2024-01-01"), table.IndexOf("SGD"))!;
        Assert.Equal(1m, entry.Rate);
        Assert.True(entry.Conversion.TryConvert(123.456m, 2, out var same));
        Assert.Equal(123.46m, same);
    }

    [Fact]
    public void Rate_AnyRates_EighteenPlacesWhateverTheLargestRate()
    {
        var table = new RateTable(Snapshots, "SGD", 7);
        Assert.Equal(1.444444444444444444m, table.Lookup(D("2024-01-01"), table.IndexOf("EUR"))!.Rate); // 1.30 / 0.90 at 18 places
        // 1 BTC in IDR (about 1.6e9) and 1 IDR in KWD (about 2e-5) both fit DECIMAL(38,18) with 12 or more significant digits.
        var idr = new RateTable([Snapshot("2024-01-01", ("IDR", "16250.5"), ("BTC", "0.0000101"), ("KWD", "0.307"))], "IDR", 7);
        Assert.Equal(1_608_960_396.039603960396039604m, idr.Lookup(D("2024-01-01"), idr.IndexOf("BTC"))!.Rate);
        var kwd = new RateTable([Snapshot("2024-01-01", ("IDR", "16250.5"), ("KWD", "0.307"))], "KWD", 7);
        Assert.Equal(0.000018891726408418m, kwd.Lookup(D("2024-01-01"), kwd.IndexOf("IDR"))!.Rate);
    }

    [Fact]
    public void Constructor_NoSnapshots_FailsWithHint()
    {
        var error = Assert.Throws<FxException>(() => new RateTable([], "SGD", 7));
        Assert.Contains("no rate snapshots", error.Message);
    }

    [Fact]
    public void Constructor_TargetWithoutMinorUnits_Fails()
    {
        var error = Assert.Throws<FxException>(() => new RateTable(Snapshots, "XYZ", 7));
        Assert.Contains("'XYZ'", error.Message);
    }

    [Fact]
    public void Constructor_SameDayTwiceDifferentRates_FailsNamingDayAndDifference()
    {
        var error = Assert.Throws<FxException>(() => new RateTable([.. Snapshots, Snapshot("2024-01-02", ("SGD", "1.33"), ("EUR", "0.91"))], "SGD", 7));
        Assert.Equal("two different snapshots for 2024-01-02 (1 rate(s): SGD 1.32 vs 1.33); keep one", error.Message);
    }

    [Fact]
    public void Constructor_SameDayTwiceIdentical_UsesIt()
    {
        var table = new RateTable([.. Snapshots, Snapshot("2024-01-02", ("EUR", "0.91"), ("SGD", "1.320"))], "SGD", 7);
        Assert.Equal(Snapshots.Length, table.Snapshots.Count);
    }
}
