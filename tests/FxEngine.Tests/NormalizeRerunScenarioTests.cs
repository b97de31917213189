using FxEngine.Jobs;
using FxEngine.Sources.Transactions;
using static FxEngine.Tests.TestData;

namespace FxEngine.Tests;

/// <summary>A rerun on the same input replaces the output: same rows, no duplicates, no leftovers.</summary>
public class NormalizeRerunScenarioTests
{
    [Fact]
    public async Task Normalize_RunTwice_SameRowsNoDuplicates()
    {
        using var dir = new TempDir();
        await TransactionGenerator.WriteAsync(new GenerateOptions { Rows = 30_000, Output = dir.Sub("raw"), From = D("2024-01-01"), To = D("2024-01-10"), RowGroupRows = 5_000 });
        WriteSyntheticRates(dir.Sub("rates"), D("2024-01-01"), D("2024-01-10"));
        var options = new NormalizeOptions { Rates = dir.Sub("rates"), Input = dir.Sub("raw"), Output = dir.Sub("out"), Workers = 2 };

        await NormalizeJob.RunAsync(options);
        var first = Snapshot(dir);
        File.WriteAllText(dir.Sub("out/README.txt"), "not ours");
        Directory.CreateDirectory(dir.Sub("out/_temporary/crashed-run/txn_date=2024-01-01"));
        File.WriteAllText(dir.Sub("out/_temporary/crashed-run/txn_date=2024-01-01/part-crashed-run.parquet"), "left by a crash");
        var rerun = await NormalizeJob.RunAsync(options);
        var second = Snapshot(dir);

        Assert.Equal(30_000, first.Count);
        Assert.Equal(first, second);
        // Only the rerun's files are left, in the output and in the rejects.
        Assert.All(Directory.GetFiles(dir.Path, "*.parquet", SearchOption.AllDirectories).Where(f => !f.Contains("/raw/")),
            file => Assert.Contains(rerun.RunId, file));
        // What a crashed run staged is swept; a file no run wrote is left alone.
        Assert.False(Directory.Exists(dir.Sub("out/_temporary")));
        Assert.Equal("not ours", File.ReadAllText(dir.Sub("out/README.txt")));
    }

    /// <summary>Every output and reject row as text, sorted.</summary>
    private static List<string> Snapshot(TempDir dir) =>
        Query($"SELECT txn_id || '|' || coalesce(CAST(amount_sgd AS VARCHAR), '') || '|' || fx_status AS r FROM read_parquet('{Glob(dir.Sub("out"))}') " +
              $"UNION ALL SELECT txn_id || '|' || reject_reason FROM read_parquet('{Glob(dir.Sub("out_rejects"))}') ORDER BY 1")
            .Select(r => (string)r["r"]!).ToList();
}
