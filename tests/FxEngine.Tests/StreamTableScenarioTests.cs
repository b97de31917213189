using System.Text.Json.Nodes;
using FxEngine.Jobs;
using FxEngine.Kafka;
using FxEngine.Streaming;
using static FxEngine.Tests.TestData;

namespace FxEngine.Tests;

/// <summary>
/// The stream and batch runs feed one table: each keeps the other's files and state; one
/// stream per table; a flush killed after its commit point is finished by the next start, and
/// one killed before it leaves nothing behind.
/// </summary>
public class StreamTableScenarioTests
{
    private static readonly DateOnly From = D("2024-08-01");

    [Fact]
    public async Task StreamAndBatchRuns_FeedOneTable_WithoutRemovingEachOthersRows()
    {
        using var broker = new EmbeddedBroker();
        using var dir = new TempDir();
        var lake = dir.Sub("lake");
        var rateDays = Enumerable.Range(0, 5).Select(From.AddDays).ToList();
        using var producer = StreamTest.Producer(broker);
        StreamTest.ProduceRates(producer, "exchange-rates-topic", rateDays);
        WriteSyntheticRates($"{lake}/exchange_rates", rateDays[0], rateDays[^1]);
        var kafka = new KafkaSettings { BootstrapServers = broker.BootstrapServers };
        var stream = new StreamOptions { Lake = lake, Once = true };
        var batch = new NormalizeOptions { Rates = $"{lake}/exchange_rates", Input = $"{lake}/raw", Output = $"{lake}/processed_data", Rejects = $"{lake}/rejected_data" };
        var streamed = StreamTest.Transactions(2_000, From, 5, seed: 1, prefix: "s");
        var batched = StreamTest.Transactions(2_000, From, 5, seed: 2, prefix: "b");
        var later = StreamTest.Transactions(500, From, 5, seed: 3, prefix: "l");

        StreamTest.Produce(producer, "transactions", streamed);
        await StreamJob.RunAsync(stream, kafka, _ => { }, null, default);
        Directory.CreateDirectory($"{lake}/raw");
        File.WriteAllLines($"{lake}/raw/day.csv", batched.Select(r => r.CsvLine).Prepend(StreamTest.CsvHeader));
        await NormalizeJob.RunAsync(batch);
        StreamTest.Produce(producer, "transactions", later);
        await StreamJob.RunAsync(stream, kafka, _ => { }, null, default);
        await NormalizeJob.RunAsync(batch with { Full = true });

        var ids = StreamTest.LakeRows(lake).Select(r => r.Split('|')[0]).ToList();
        Assert.Equal(streamed.Count + batched.Count + later.Count, ids.Count);
        Assert.Equal(streamed.Concat(batched).Concat(later).Select(r => r.Id).Order(StringComparer.Ordinal), ids.Order(StringComparer.Ordinal));
        var state = JsonNode.Parse(File.ReadAllText($"{lake}/processed_data/_fxengine/state.json"))!;
        Assert.Equal(streamed.Count + later.Count, StreamTest.Committed(lake));
        Assert.NotEmpty(state["files"]!.AsObject());
    }

    [Fact]
    public async Task SecondStreamOnOneTable_IsRefused_NamingTheFirst()
    {
        using var broker = new EmbeddedBroker();
        using var dir = new TempDir();
        var kafka = new KafkaSettings { BootstrapServers = broker.BootstrapServers };
        var options = new StreamOptions { Lake = dir.Sub("lake") };
        using var stop = new CancellationTokenSource();
        var log = KafkaTest.Log();
        var first = StreamJob.RunAsync(options, kafka, log.Enqueue, null, stop.Token);
        await StreamTest.WaitUntilAsync(() => log.Any(l => l.StartsWith("rates:", StringComparison.Ordinal)) || first.IsCompleted, TimeSpan.FromMinutes(1), () => string.Join(" | ", log));

        var second = await Assert.ThrowsAsync<FxException>(() => StreamJob.RunAsync(options with { Group = "other" }, kafka, _ => { }, null, default));

        Assert.Contains("is being written by run stream-", second.Message, StringComparison.Ordinal);
        stop.Cancel();
        await first;
    }

    [Fact]
    public async Task FlushKilledAfterItsCommitPoint_IsFinishedOnStart_AndStagingBeforeItIsSwept()
    {
        using var broker = new EmbeddedBroker();
        using var dir = new TempDir();
        var lake = dir.Sub("lake");
        using var producer = StreamTest.Producer(broker);
        StreamTest.ProduceRates(producer, "exchange-rates-topic", [From, From.AddDays(1)]);
        StreamTest.Produce(producer, "transactions", StreamTest.Transactions(3_000, From, 2, seed: 4));
        var kafka = new KafkaSettings { BootstrapServers = broker.BootstrapServers };
        var options = new StreamOptions { Lake = lake, Once = true };
        await StreamJob.RunAsync(options, kafka, _ => { }, null, default);
        var committed = StreamTest.LakeRows(lake);

        // As a kill between the state write and the moves leaves it: the files staged, the state naming them.
        var statePath = $"{lake}/processed_data/_fxengine/state.json";
        var state = JsonNode.Parse(File.ReadAllText(statePath))!;
        var publishing = new JsonObject { ["flush"] = "f1", ["output"] = new JsonObject(), ["rejects"] = new JsonObject() };
        foreach (var (location, kind) in new[] { ("processed_data", "output"), ("rejected_data", "rejects") })
            foreach (var file in Directory.GetFiles($"{lake}/{location}", "stream-*.parquet", SearchOption.AllDirectories))
            {
                var final = Path.GetRelativePath($"{lake}/{location}", file).Replace('\\', '/');
                var staged = $"{StreamTable.StagingRoot}f1/{final}";
                Directory.CreateDirectory(Path.GetDirectoryName($"{lake}/{location}/{staged}")!);
                File.Move(file, $"{lake}/{location}/{staged}");
                publishing[kind]!.AsObject()[staged] = final;
            }
        state["stream"]!["publishing"] = publishing;
        File.WriteAllText(statePath, state.ToJsonString());
        // And a flush killed before its commit point: staged, never named by the state.
        Directory.CreateDirectory($"{lake}/processed_data/{StreamTable.StagingRoot}f2/txn_date=2024-08-01");
        File.Copy(Directory.GetFiles($"{lake}/processed_data/{StreamTable.StagingRoot}f1", "*.parquet", SearchOption.AllDirectories)[0],
            $"{lake}/processed_data/{StreamTable.StagingRoot}f2/txn_date=2024-08-01/stream-f2.parquet");
        Assert.NotEqual(committed.Count, StreamTest.LakeRows(lake).Count);

        var rerun = await StreamJob.RunAsync(options, kafka, _ => { }, null, default);

        Assert.Equal(0, rerun.RowsIn);
        Assert.Equal(committed, StreamTest.LakeRows(lake));
        Assert.DoesNotContain(Directory.GetFiles(lake, "*.parquet", SearchOption.AllDirectories), f => f.Contains("_fxengine", StringComparison.Ordinal));
        Assert.Null(JsonNode.Parse(File.ReadAllText(statePath))!["stream"]!["publishing"]);
    }
}
