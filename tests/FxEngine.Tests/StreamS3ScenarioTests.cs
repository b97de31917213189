using FxEngine.Jobs;
using FxEngine.Kafka;
using FxEngine.Storage;
using FxEngine.Streaming;
using static FxEngine.Tests.TestData;

namespace FxEngine.Tests;

/// <summary>
/// The stream on an S3 lake (s3rver): its lease lock, staged uploads, state commits and moves
/// over the S3 API; two runs with input arriving between them hold every row once and equal a
/// batch run, and nothing is left under the staging prefix.
/// </summary>
[Collection(S3Collection.Name)]
public class StreamS3ScenarioTests(S3rverFixture s3)
{
    [Fact]
    public async Task Stream_OnS3_CommitsEveryRowOnce()
    {
        Assert.NotNull(s3.Endpoint);
        using var broker = new EmbeddedBroker();
        using var dir = new TempDir();
        var lake = $"s3://{S3rverFixture.Bucket}/stream-{Guid.NewGuid():N}";
        var from = D("2024-11-04");
        var rateDays = Enumerable.Range(0, 3).Select(from.AddDays).ToList();
        using var producer = StreamTest.Producer(broker);
        StreamTest.ProduceRates(producer, "exchange-rates-topic", rateDays);
        var first = StreamTest.Transactions(4_000, from, 3, seed: 21, prefix: "f");
        var second = StreamTest.Transactions(2_000, from, 3, seed: 22, prefix: "s");
        var kafka = new KafkaSettings { BootstrapServers = broker.BootstrapServers };
        var options = new StreamOptions { Lake = lake, Once = true };

        StreamTest.Produce(producer, "transactions", first);
        await StreamJob.RunAsync(options, kafka, _ => { }, null, default);
        StreamTest.Produce(producer, "transactions", second);
        var rerun = await StreamJob.RunAsync(options, kafka, _ => { }, null, default);

        Assert.Equal(second.Count, rerun.RowsIn);
        var local = dir.Sub("copy");
        var keys = new List<string>();
        var store = ObjectStore.Open(lake);
        await foreach (var info in store.ListAsync(""))
        {
            keys.Add(info.Key);
            if (!info.Key.EndsWith(".parquet", StringComparison.Ordinal))
                continue;
            Directory.CreateDirectory(Path.GetDirectoryName($"{local}/{info.Key}")!);
            await using var source = await store.OpenReadAsync(info.Key);
            await using var target = File.Create($"{local}/{info.Key}");
            await source.CopyToAsync(target);
        }
        Assert.DoesNotContain(keys, k => k.Contains(StreamTable.StagingRoot, StringComparison.Ordinal));
        Assert.Equal(await StreamTest.BatchReferenceAsync(dir, [.. first, .. second], rateDays), StreamTest.LakeRows(local));
    }
}
