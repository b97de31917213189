using System.Text.Json;
using FxEngine.Jobs;
using FxEngine.Sources.Transactions;
using static FxEngine.Tests.TestData;

namespace FxEngine.Tests;

/// <summary>
/// Reruns of an incremental table: with nothing new a rerun does no work and writes nothing;
/// a deleted input file's rows leave the table, and only its partitions are rewritten.
/// </summary>
public class IncrementalRerunScenarioTests
{
    [Fact]
    public async Task Normalize_NoChangeThenDeletedInput_WritesNothingThenDropsExactlyItsRows()
    {
        using var dir = new TempDir();
        foreach (var (name, from, to) in new[] { ("a", "2024-04-01", "2024-04-05"), ("b", "2024-04-04", "2024-04-08") })
            await TransactionGenerator.WriteAsync(new GenerateOptions { Rows = 6_000, Output = dir.Sub($"raw/{name}"), From = D(from), To = D(to), Seed = name[0] });
        WriteSyntheticRates(dir.Sub("rates"), D("2024-04-01"), D("2024-04-08"));
        var options = new NormalizeOptions { Rates = dir.Sub("rates"), Input = dir.Sub("raw"), Output = dir.Sub("out"), Rejects = dir.Sub("rejects"), Workers = 2 };
        var first = await NormalizeJob.RunAsync(options);
        var committed = AllFiles(dir);

        var rerun = await NormalizeJob.RunAsync(options);

        Assert.Equal("up_to_date", rerun.Changes.Mode);
        Assert.Equal(first.RunId, rerun.RunId);
        Assert.Equal(committed, AllFiles(dir)); // not a byte written: data, state, summary and markers as they were

        Directory.Delete(dir.Sub("raw/b"), recursive: true);
        var before = TableTest.DataFiles(options.Output, options.RejectsLocation);
        var afterDelete = await NormalizeJob.RunAsync(options);

        Assert.Equal("incremental", afterDelete.Changes.Mode);
        Assert.Equal(["2024-04-04", "2024-04-05", "2024-04-06", "2024-04-07", "2024-04-08"], afterDelete.Changes.Recomputed.Keys);
        Assert.Equal(
            new SortedSet<string>(["txn_date=2024-04-04", "txn_date=2024-04-05", "txn_date=2024-04-06", "txn_date=2024-04-07", "txn_date=2024-04-08"], StringComparer.Ordinal),
            TableTest.ChangedPartitions(before, TableTest.DataFiles(options.Output, options.RejectsLocation)));
        Assert.False(Directory.Exists(dir.Sub("out/txn_date=2024-04-07")));
        Assert.Equal(await TableTest.FullRecomputeAsync(options, dir), TableTest.Rows(options.Output, options.RejectsLocation));
        var state = JsonDocument.Parse(File.ReadAllText(dir.Sub("out/_fxengine/state.json"))).RootElement;
        Assert.False(state.GetProperty("partitions").TryGetProperty("2024-04-07", out _));
    }

    private static Dictionary<string, DateTime> AllFiles(TempDir dir) =>
        new[] { "out", "rejects" }.SelectMany(f => Directory.GetFiles(dir.Sub(f), "*", SearchOption.AllDirectories))
            .Where(f => !f.Contains("/_fxengine/lock", StringComparison.Ordinal))
            .ToDictionary(f => f, File.GetLastWriteTimeUtc);
}
