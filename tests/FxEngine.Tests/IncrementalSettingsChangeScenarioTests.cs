using FxEngine.Jobs;
using FxEngine.Transforms;
using static FxEngine.Tests.TestData;

namespace FxEngine.Tests;

/// <summary>
/// A run under another --date-column recomputes everything and re-reads which days every file
/// holds: a later incremental run must not trust days read under the old column and drop rows.
/// </summary>
public class IncrementalSettingsChangeScenarioTests
{
    [Fact]
    public async Task Normalize_DateColumnChangedThenNewFile_EqualsFullRecompute()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.Sub("raw"));
        File.WriteAllText(dir.Sub("raw/a.csv"), "txn_id,d1,d2,currency,amount\na1,2024-01-06,2024-01-05,SGD,10.00\na2,2024-01-06,2024-01-05,USD,20.00\n");
        File.WriteAllText(dir.Sub("raw/b.csv"), "txn_id,d1,d2,currency,amount\nb1,2024-01-05,2024-01-06,SGD,30.00\n");
        WriteSyntheticRates(dir.Sub("rates"), D("2024-01-01"), D("2024-01-06"));
        NormalizeOptions Options(string dateColumn) => new()
        {
            Rates = dir.Sub("rates"), Input = dir.Sub("raw"), Output = dir.Sub("out"), Rejects = dir.Sub("rejects"), Workers = 2,
            Columns = new ColumnMapping(dateColumn, "currency", "amount"),
        };
        await NormalizeJob.RunAsync(Options("d1"));
        Assert.Equal("full", (await NormalizeJob.RunAsync(Options("d2"))).Changes.Mode);

        File.WriteAllText(dir.Sub("raw/c.csv"), "txn_id,d1,d2,currency,amount\nc1,2024-01-01,2024-01-05,SGD,40.00\n");
        var result = await NormalizeJob.RunAsync(Options("d2"));

        Assert.Equal("incremental", result.Changes.Mode);
        Assert.Equal(["2024-01-05"], result.Changes.Recomputed.Keys);
        var rows = Query($"SELECT txn_id FROM read_parquet('{Glob(dir.Sub("out"))}') ORDER BY 1").Select(r => (string)r["txn_id"]!).ToList();
        Assert.Equal(["a1", "a2", "b1", "c1"], rows);
        Assert.Equal("up_to_date", (await NormalizeJob.RunAsync(Options("d2"))).Changes.Mode);
    }
}
