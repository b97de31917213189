using FxEngine.Jobs;
using static FxEngine.Tests.TestData;

namespace FxEngine.Tests;

/// <summary>CSV in (quoted fields, custom column names), Parquet out with the CSV's columns kept as text.</summary>
public class NormalizeCsvScenarioTests
{
    [Fact]
    public async Task Normalize_CsvWithQuotesAndCustomColumns_ConvertsAndKeepsColumns()
    {
        using var dir = new TempDir();
        WriteSnapshot(dir.Sub("rates"), D("2024-05-01"), ("SGD", "1.35"), ("EUR", "0.93"), ("KWD", "0.3075"), ("JPY", "157"));
        Directory.CreateDirectory(dir.Sub("in"));
        File.WriteAllText(dir.Sub("in/txns.csv"),
            "id,day,ccy,value,note\r\n" +
            "1,2024-05-01,EUR,93.00,\"plain\"\r\n" +
            "2,2024-05-01,kwd,1.000,\"comma, inside\"\r\n" +
            "3,2024-05-01T22:15:00+02:00,JPY,157,\"quote \"\"inside\"\"\"\r\n" +
            "4,2024-05-01,EUR,,\"line\nbreak\"\r\n" +
            "5,2024-05-01,EUR,1e2,\r\n");

        var result = await NormalizeJob.RunAsync(new NormalizeOptions
        {
            Rates = dir.Sub("rates"), Input = dir.Sub("in"), Output = dir.Sub("out"),
            Columns = new Transforms.ColumnMapping("day", "ccy", "value"),
        });

        Assert.Equal(5, result.Stats.RowsIn);
        var rows = Query($"SELECT id, note, amount_sgd, fx_status FROM read_parquet('{Glob(dir.Sub("out"))}') ORDER BY id")
            .ToDictionary(r => (string)r["id"]!);
        Assert.Equal(135.00m, rows["1"]["amount_sgd"]);
        Assert.Equal(4.39m, rows["2"]["amount_sgd"]);   // 1.000 KWD * 1.35 / 0.3075 = 4.390...
        Assert.Equal(1.35m, rows["3"]["amount_sgd"]);   // 22:15 at +02:00 is still 2024-05-01 in UTC
        Assert.Equal(145.16m, rows["5"]["amount_sgd"]);  // 1e2 EUR
        Assert.Equal("comma, inside", rows["2"]["note"]);
        Assert.Equal("quote \"inside\"", rows["3"]["note"]);

        var rejects = Query($"SELECT id, note, reject_reason FROM read_parquet('{Glob(dir.Sub("out_rejects"))}')");
        var reject = Assert.Single(rejects);
        Assert.Equal("4", reject["id"]);
        Assert.Equal("line\nbreak", reject["note"]);
        Assert.Equal("invalid_amount", reject["reject_reason"]);
    }

    [Fact]
    public async Task Normalize_NoRejects_RejectsLocationStillCommitted()
    {
        using var dir = new TempDir();
        WriteSnapshot(dir.Sub("rates"), D("2024-05-01"), ("SGD", "1.35"));
        Directory.CreateDirectory(dir.Sub("in"));
        File.WriteAllText(dir.Sub("in/ok.csv"), "txn_date,currency,amount\n2024-05-01,USD,1\n");
        var result = await NormalizeJob.RunAsync(new NormalizeOptions { Rates = dir.Sub("rates"), Input = dir.Sub("in"), Output = dir.Sub("out") });
        Assert.Equal(1, result.Stats.RowsOut);
        Assert.True(File.Exists(dir.Sub("out_rejects/_SUCCESS")));
        Assert.Empty(Directory.GetFiles(dir.Sub("out_rejects"), "*.parquet", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Normalize_CsvRowWithWrongFieldCount_FailsNamingLine()
    {
        using var dir = new TempDir();
        WriteSnapshot(dir.Sub("rates"), D("2024-05-01"), ("SGD", "1.35"));
        Directory.CreateDirectory(dir.Sub("in"));
        File.WriteAllText(dir.Sub("in/bad.csv"), "txn_date,currency,amount\n2024-05-01,USD,1\n2024-05-01,USD\n");
        var error = await Assert.ThrowsAsync<FxException>(() => NormalizeJob.RunAsync(new NormalizeOptions
        {
            Rates = dir.Sub("rates"), Input = dir.Sub("in"), Output = dir.Sub("out"),
        }));
        Assert.EndsWith("bad.csv line 3: 2 fields where the header has 3", error.Message);
        Assert.False(File.Exists(dir.Sub("out/_SUCCESS")));
    }
}
