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
}
