using FxEngine.Jobs;
using FxEngine.Kafka;
using FxEngine.Sources.Rates;
using FxEngine.Sources.Transactions;
using FxEngine.Storage;
using static FxEngine.Tests.TestData;

namespace FxEngine.Tests;

/// <summary>Rates landed by the Kafka sink in an S3 lake, transactions on S3, normalized output on S3: all over the S3 REST API.</summary>
[Collection(S3Collection.Name)]
public class NormalizeS3ScenarioTests(S3rverFixture s3)
{
    [Fact]
    public async Task SinkAndNormalize_S3Lake_OutputReadableAndComplete()
    {
        Assert.NotNull(s3.Endpoint);
        var lake = $"s3://{S3rverFixture.Bucket}/lake-{Guid.NewGuid():N}";
        using var dir = new TempDir();

        // Rates: produce to Kafka, sink into the S3 lake.
        using (var broker = new EmbeddedBroker())
        {
            var kafka = KafkaTest.Settings(broker, "rates-s3");
            await ProduceJob.RunAsync(new ProduceOptions { From = D("2024-04-01"), To = D("2024-04-07") }, new SyntheticRatesSource(), kafka, _ => { }, default);
            var landed = await LakeSinkJob.RunAsync(kafka, ObjectStore.Open(lake), true, _ => { }, default);
            Assert.Equal(7, landed.Written);
        }

        // Transactions: generated locally, uploaded.
        await TransactionGenerator.WriteAsync(new GenerateOptions { Rows = 20_000, Output = dir.Sub("raw"), From = D("2024-04-01"), To = D("2024-04-07"), RowGroupRows = 5_000 });
        var raw = ObjectStore.Open($"{lake}/raw_transactions");
        foreach (var file in Directory.GetFiles(dir.Sub("raw")))
            await raw.WriteAllAsync(Path.GetFileName(file), await File.ReadAllBytesAsync(file));

        var result = await NormalizeJob.RunAsync(new NormalizeOptions
        {
            Rates = $"{lake}/exchange_rates", Input = $"{lake}/raw_transactions", Output = $"{lake}/processed_data", Rejects = $"{lake}/rejected_data",
        });
        Assert.Equal(20_000, result.Stats.RowsIn);

        // Download what landed and let DuckDB count it.
        var output = ObjectStore.Open($"{lake}/processed_data");
        var keys = await KeysAsync(output);
        Assert.Contains("_SUCCESS", keys);
        Assert.Contains("_summary.json", keys);
        Assert.DoesNotContain(keys, k => k.StartsWith("_temporary/", StringComparison.Ordinal));
        Assert.Equal(7, keys.Count(k => k.EndsWith(".parquet", StringComparison.Ordinal)));
        foreach (var key in keys.Where(k => k.EndsWith(".parquet", StringComparison.Ordinal)))
        {
            var local = Path.Combine(dir.Sub("down"), key);
            Directory.CreateDirectory(Path.GetDirectoryName(local)!);
            await using var source = await output.OpenReadAsync(key);
            await using var target = File.Create(local);
            await source.CopyToAsync(target);
        }
        var counted = Query($"SELECT count(*) AS n, count(DISTINCT txn_id) AS ids FROM read_parquet('{Glob(dir.Sub("down"))}')").Single();
        Assert.Equal(result.Stats.RowsOut, Convert.ToInt64(counted["n"]));
        Assert.Equal(result.Stats.RowsOut, Convert.ToInt64(counted["ids"]));
    }
}
