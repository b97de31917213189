using FxEngine.Jobs;
using static FxEngine.Tests.TestData;

namespace FxEngine.Tests;

/// <summary>Changes an incremental run must see as a full recompute would: rows' reasons and the files' column order.</summary>
public class IncrementalMatchesFullScenarioTests
{
    [Fact]
    public async Task Normalize_UnknownCurrencyQuotedLaterOnAnotherDay_ItsRowsBecomeMissingRate()
    {
        using var dir = new TempDir();
        var options = new NormalizeOptions { Rates = dir.Sub("rates"), Input = dir.Sub("raw"), Output = dir.Sub("out"), Rejects = dir.Sub("rejects"), Workers = 1 };
        WriteSnapshot(options.Rates, D("2024-03-01"), ("USD", "1"), ("SGD", "1.35"));
        Directory.CreateDirectory(options.Input);
        File.WriteAllText(Path.Combine(options.Input, "t.csv"), "txn_id,txn_date,currency,amount\nt1,2024-03-01,XYZ,10.00\nt2,2024-03-01,USD,5.00\n");
        await NormalizeJob.RunAsync(options);
        Assert.Equal("unknown_currency", Assert.Single(Query($"SELECT reject_reason FROM read_parquet('{Glob(options.RejectsLocation)}')"))["reject_reason"]);

        // A snapshot long after the row's day quotes XYZ: still no rate for 2024-03-01, but no longer an unknown code.
        WriteSnapshot(options.Rates, D("2024-03-20"), ("USD", "1"), ("SGD", "1.35"), ("XYZ", "2"));
        var second = await NormalizeJob.RunAsync(options);

        Assert.Contains("2024-03-01", second.Changes.Recomputed.Keys);
        Assert.Equal("missing_rate", Assert.Single(Query($"SELECT reject_reason FROM read_parquet('{Glob(options.RejectsLocation)}')"))["reject_reason"]);
        Assert.Equal(await TableTest.FullRecomputeAsync(options, dir), TableTest.Rows(options.Output, options.RejectsLocation));
    }

    [Fact]
    public async Task Normalize_NewFileMovesAnotherSchemaFirst_EveryFileKeepsOneColumnOrder()
    {
        using var dir = new TempDir();
        var options = new NormalizeOptions { Rates = dir.Sub("rates"), Input = dir.Sub("raw"), Output = dir.Sub("out"), Rejects = dir.Sub("rejects"), Workers = 1 };
        WriteSyntheticRates(options.Rates, D("2024-03-01"), D("2024-03-05"));
        Directory.CreateDirectory(options.Input);
        await WriteParquetAsync(Path.Combine(options.Input, "b.parquet"), [Strings("txn_id", "b1"), Dates("txn_date", D("2024-03-01")), Strings("currency", "USD"), Amounts("amount", 1m)]);
        await WriteParquetAsync(Path.Combine(options.Input, "c.parquet"), [Strings("txn_id", "c1"), Strings("channel", "web"), Dates("txn_date", D("2024-03-02")), Strings("currency", "USD"), Amounts("amount", 2m)]);
        await NormalizeJob.RunAsync(options);
        // A backfill file sorts first and has c's schema: the merged schema now puts `channel` second.
        await WriteParquetAsync(Path.Combine(options.Input, "a.parquet"), [Strings("txn_id", "a1"), Strings("channel", "app"), Dates("txn_date", D("2024-03-03")), Strings("currency", "USD"), Amounts("amount", 3m)]);

        await NormalizeJob.RunAsync(options);

        var orders = Directory.GetFiles(options.Output, "*.parquet", SearchOption.AllDirectories)
            .Select(file => string.Join(",", Query($"DESCRIBE SELECT * FROM read_parquet('{file}', hive_partitioning = false)").Select(r => (string)r["column_name"]!)))
            .ToHashSet();
        Assert.Equal(3, Directory.GetFiles(options.Output, "*.parquet", SearchOption.AllDirectories).Length);
        Assert.StartsWith("txn_id,channel,currency,amount", Assert.Single(orders));
    }
}
