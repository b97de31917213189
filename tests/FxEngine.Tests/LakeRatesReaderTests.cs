using FxEngine.Sources.Rates;
using FxEngine.Storage;
using static FxEngine.Tests.TestData;

namespace FxEngine.Tests;

/// <summary>The two layouts a rates location may hold, and a clear error for any other .json file name.</summary>
public class LakeRatesReaderTests
{
    private static string Pretty(string json) =>
        System.Text.Json.JsonSerializer.Serialize(System.Text.Json.JsonDocument.Parse(json).RootElement, new System.Text.Json.JsonSerializerOptions { WriteIndented = true });

    [Fact]
    public async Task LoadAsync_DatedFilesAndConnectOutput_ReadsBoth()
    {
        using var dir = new TempDir();
        WriteSnapshot(dir.Sub("rates/exchange_rates"), D("2024-01-01"), ("SGD", "1.30"));
        var connect = dir.Sub("rates/topics/exchange-rates-topic/partition=0");
        Directory.CreateDirectory(connect);
        File.WriteAllText(Path.Combine(connect, "exchange-rates-topic+0+0000000042.json"),
            SnapshotJson(D("2024-01-02"), ("SGD", "1.31")) + "\n" + SnapshotJson(D("2024-01-03"), ("SGD", "1.32")) + "\n");

        var snapshots = await LakeRatesReader.LoadAsync(ObjectStore.Open(dir.Sub("rates")), CancellationToken.None);

        Assert.Equal([D("2024-01-01"), D("2024-01-02"), D("2024-01-03")], snapshots.Select(s => s.Date).Order().ToArray());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task LoadAsync_InvalidDateName_NamesFileAndTheDate(bool prettyPrinted)
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.Sub("rates"));
        var json = SnapshotJson(D("2024-01-01"), ("SGD", "1.30"));
        File.WriteAllText(dir.Sub("rates/2024-13-45.json"), prettyPrinted ? Pretty(json) : json);

        var error = await Assert.ThrowsAsync<FxException>(() => LakeRatesReader.LoadAsync(ObjectStore.Open(dir.Sub("rates")), CancellationToken.None));

        Assert.Equal($"{dir.Sub("rates/2024-13-45.json")}: '2024-13-45' in the file name is not a valid date; name a snapshot YYYY-MM-DD.json after its UTC date", error.Message);
    }

    [Fact]
    public async Task LoadAsync_OtherJsonName_NamesFileAndBothLayouts()
    {
        using var dir = new TempDir();
        WriteSnapshot(dir.Sub("rates"), D("2024-01-01"), ("SGD", "1.30"));
        File.WriteAllText(dir.Sub("rates/latest.json"), Pretty(SnapshotJson(D("2024-01-02"), ("SGD", "1.31"))));

        var error = await Assert.ThrowsAsync<FxException>(() => LakeRatesReader.LoadAsync(ObjectStore.Open(dir.Sub("rates")), CancellationToken.None));

        Assert.StartsWith($"{dir.Sub("rates/latest.json")}: not a rate snapshot file name; expected YYYY-MM-DD.json (one snapshot) or Kafka Connect S3 Sink output <topic>+<partition>+<offset>.json", error.Message);
    }

    /// <summary>A Connect output object holding <paramref name="lines"/>, one per line, under rates/topics/.</summary>
    private static string WriteConnect(TempDir dir, params string[] lines)
    {
        var folder = dir.Sub("rates/topics/exchange-rates-topic/partition=0");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "exchange-rates-topic+0+0000000007.json");
        File.WriteAllText(path, string.Join("\n", lines) + "\n");
        return path;
    }

    [Fact]
    public async Task LoadAsync_DailyFileAndIdenticalConnectLine_LoadsOneSnapshot()
    {
        using var dir = new TempDir();
        WriteSnapshot(dir.Sub("rates/exchange_rates"), D("2024-05-01"), ("SGD", "1.30"), ("EUR", "0.92"));
        // Same base, timestamp and rates, written differently: key order, a trailing zero, indentation.
        var reordered = SnapshotJson(D("2024-05-01"), ("EUR", "0.920"), ("SGD", "1.3"));
        WriteConnect(dir, SnapshotJson(D("2024-04-30"), ("SGD", "1.29")), Pretty(reordered).ReplaceLineEndings(" "));

        var snapshots = await LakeRatesReader.LoadAsync(ObjectStore.Open(dir.Sub("rates")), CancellationToken.None);

        Assert.Equal([D("2024-04-30"), D("2024-05-01")], snapshots.Select(s => s.Date).Order().ToArray());
    }

    [Fact]
    public async Task LoadAsync_DailyFileAndDifferentConnectLine_FailsNamingBoth()
    {
        using var dir = new TempDir();
        WriteSnapshot(dir.Sub("rates/exchange_rates"), D("2024-05-01"), ("SGD", "1.30"), ("EUR", "0.92"));
        var connect = WriteConnect(dir, SnapshotJson(D("2024-04-30"), ("SGD", "1.29")), SnapshotJson(D("2024-05-01"), ("SGD", "1.31"), ("EUR", "0.92")));

        var error = await Assert.ThrowsAsync<FxException>(() => LakeRatesReader.LoadAsync(ObjectStore.Open(dir.Sub("rates")), CancellationToken.None));

        // exchange_rates/ sorts before topics/, so the daily file is the first copy.
        Assert.Equal($"{dir.Sub("rates/exchange_rates/2024-05-01.json")} and {connect} line 2 hold different snapshots for 2024-05-01 " +
            "(1 rate(s): SGD 1.30 vs 1.31); remove one", error.Message);
    }

    [Fact]
    public async Task LoadAsync_TwoConnectLinesSameDayDifferentTimestamp_FailsNamingBothLines()
    {
        using var dir = new TempDir();
        var closing = SnapshotJson(D("2024-05-01"), ("SGD", "1.30"));
        // The same rates published at 10:00: an earlier (hourly) update of the same day.
        var hourly = closing.Replace($"\"timestamp\":{new DateTimeOffset(2024, 5, 1, 23, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds()}",
            $"\"timestamp\":{new DateTimeOffset(2024, 5, 1, 10, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds()}", StringComparison.Ordinal);
        Assert.NotEqual(closing, hourly);
        var connect = WriteConnect(dir, hourly, closing);

        var error = await Assert.ThrowsAsync<FxException>(() => LakeRatesReader.LoadAsync(ObjectStore.Open(dir.Sub("rates")), CancellationToken.None));

        Assert.Equal($"{connect} line 1 and {connect} line 2 hold different snapshots for 2024-05-01 " +
            "(timestamp 2024-05-01T10:00:00Z vs 2024-05-01T23:00:00Z); remove one", error.Message);
    }

    [Fact]
    public async Task LoadAsync_TwoIdenticalConnectLines_LoadsOneSnapshot()
    {
        using var dir = new TempDir();
        var body = SnapshotJson(D("2024-05-01"), ("SGD", "1.30"));
        WriteConnect(dir, body, body); // a redelivery Connect wrote twice

        var snapshots = await LakeRatesReader.LoadAsync(ObjectStore.Open(dir.Sub("rates")), CancellationToken.None);

        Assert.Equal(D("2024-05-01"), Assert.Single(snapshots).Date);
    }
}
