using FxEngine.Jobs;
using FxEngine.Sources.Transactions;
using FxEngine.Storage;
using static FxEngine.Tests.TestData;

namespace FxEngine.Tests;

/// <summary>
/// An incremental table on S3 (s3rver): a new day's file replaces exactly its partition (every
/// other object keeps its key and ETag), and a rerun with nothing new writes nothing.
/// </summary>
[Collection(S3Collection.Name)]
public class IncrementalS3ScenarioTests(S3rverFixture s3)
{
    [Fact]
    public async Task Normalize_NewDayOnS3_ReplacesOnlyItsPartition()
    {
        Assert.NotNull(s3.Endpoint);
        var lake = $"s3://{S3rverFixture.Bucket}/incremental-{Guid.NewGuid():N}";
        using var dir = new TempDir();
        await TransactionGenerator.WriteAsync(new GenerateOptions { Rows = 20_000, Output = dir.Sub("raw/base"), From = D("2024-07-01"), To = D("2024-07-05") });
        WriteSyntheticRates(dir.Sub("rates"), D("2024-07-01"), D("2024-07-06"));
        var options = new NormalizeOptions { Rates = dir.Sub("rates"), Input = dir.Sub("raw"), Output = $"{lake}/out", Rejects = $"{lake}/rejects", Workers = 2 };
        await NormalizeJob.RunAsync(options);
        var before = await ObjectsAsync(lake);

        await TransactionGenerator.WriteAsync(new GenerateOptions { Rows = 4_000, Output = dir.Sub("raw/new"), From = D("2024-07-06"), To = D("2024-07-06"), Seed = 6 });
        var result = await NormalizeJob.RunAsync(options);
        var after = await ObjectsAsync(lake);

        Assert.Equal("incremental", result.Changes.Mode);
        Assert.Equal(["2024-07-06"], result.Changes.Recomputed.Keys);
        var changedData = before.Keys.Union(after.Keys)
            .Where(k => k.EndsWith(".parquet", StringComparison.Ordinal) && before.GetValueOrDefault(k) != after.GetValueOrDefault(k)).ToList();
        Assert.NotEmpty(changedData);
        Assert.All(changedData, k => Assert.Contains("/txn_date=2024-07-06/", k));

        var rerun = await NormalizeJob.RunAsync(options);
        Assert.Equal("up_to_date", rerun.Changes.Mode);
        Assert.Equal(after, await ObjectsAsync(lake));
    }

    /// <summary>Every object under the lake with its ETag.</summary>
    private static async Task<Dictionary<string, string>> ObjectsAsync(string lake)
    {
        var objects = new Dictionary<string, string>();
        await foreach (var info in ObjectStore.Open(lake).ListAsync(""))
            if (!info.Key.Contains("_fxengine/lock", StringComparison.Ordinal) && !info.Key.Contains("conditional-write-probe", StringComparison.Ordinal))
                objects["/" + info.Key] = info.Version;
        return objects;
    }
}
