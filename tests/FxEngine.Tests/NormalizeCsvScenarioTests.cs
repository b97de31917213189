using FxEngine.Jobs;
using static FxEngine.Tests.TestData;

namespace FxEngine.Tests;

/// <summary>
/// CSV in (quoted fields, custom column names, other delimiters), Parquet out: the date and
/// amount columns typed DATE and DECIMAL(38,9) as Parquet input would have them, the others
/// text; rejects keep the CSV's text as read.
/// </summary>
[Trait("Category", "Cli")]
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
            "5,2024-05-01,EUR,1e2,\r\n" +
            "6,2024-05-01,EUR,1.0000000001,\r\n" +
            "7,2024-05-01,EUR,-2.5000000000,\r\n");

        var result = await NormalizeJob.RunAsync(new NormalizeOptions
        {
            Rates = dir.Sub("rates"), Input = dir.Sub("in"), Output = dir.Sub("out"),
            Columns = new Transforms.ColumnMapping("day", "ccy", "value"),
        });

        Assert.Equal(7, result.Stats.RowsIn);
        var output = Glob(dir.Sub("out"));
        var types = Query($"DESCRIBE SELECT id, day, ccy, value, note FROM read_parquet('{output}')")
            .ToDictionary(r => (string)r["column_name"]!, r => (string)r["column_type"]!);
        Assert.Equal("VARCHAR", types["id"]);
        Assert.Equal("DATE", types["day"]);
        Assert.Equal("VARCHAR", types["ccy"]);
        Assert.Equal("DECIMAL(38,9)", types["value"]);
        Assert.Equal("VARCHAR", types["note"]);

        var rows = Query($"SELECT id, day, value, note, amount_sgd, fx_status FROM read_parquet('{output}') ORDER BY id")
            .ToDictionary(r => (string)r["id"]!);
        Assert.Equal(["1", "2", "3", "7"], rows.Keys.Order().ToArray());
        Assert.Equal(135.00m, rows["1"]["amount_sgd"]);
        Assert.Equal(93.00m, rows["1"]["value"]);
        Assert.Equal(4.39m, rows["2"]["amount_sgd"]);   // 1.000 KWD * 1.35 / 0.3075 = 4.390...
        Assert.Equal(1.35m, rows["3"]["amount_sgd"]);   // 22:15 at +02:00 is still 2024-05-01 in UTC
        Assert.Equal(new DateOnly(2024, 5, 1), rows["3"]["day"]); // the UTC date
        Assert.Equal(-2.5m, rows["7"]["value"]);        // ten decimals, but the tenth is a trailing zero: exact in 9
        Assert.Equal(-3.63m, rows["7"]["amount_sgd"]);
        Assert.Equal("comma, inside", rows["2"]["note"]);
        Assert.Equal("quote \"inside\"", rows["3"]["note"]);

        // Rejects keep the text as read, so the bad value can be seen.
        var rejects = Query($"SELECT id, value, note, reject_reason FROM read_parquet('{Glob(dir.Sub("out_rejects"))}') ORDER BY id");
        Assert.Equal(["4", "5", "6"], rejects.Select(r => (string)r["id"]!).ToArray());
        Assert.All(rejects, r => Assert.Equal("invalid_amount", r["reject_reason"]));
        Assert.Equal("line\nbreak", rejects[0]["note"]);
        Assert.Null(rejects[0]["value"]);
        Assert.Equal("1e2", rejects[1]["value"]);          // exponent notation is not a money amount
        Assert.Equal("1.0000000001", rejects[2]["value"]); // more decimals than DECIMAL(38,9) holds: never rounded
    }

    [Fact]
    public async Task Normalize_SemicolonCsv_FailsWithHintThenConvertsWithDelimiterOption()
    {
        using var dir = new TempDir();
        WriteSnapshot(dir.Sub("rates"), D("2024-05-01"), ("SGD", "1.35"), ("EUR", "0.93"));
        Directory.CreateDirectory(dir.Sub("in"));
        File.WriteAllText(dir.Sub("in/eu.csv"), "txn_date;currency;amount;note\n2024-05-01;EUR;9,30;\"a;b\"\n");

        var refused = await Cli.RunAsync(dir.Path, "normalize", "--rates", "rates", "--input", "in", "--output", "out");
        Assert.Equal(1, refused.ExitCode);
        Assert.Equal($"error: {dir.Sub("in/eu.csv")} line 2: 2 fields where the header has 1 (the header contains ';': if that separates the fields, pass --csv-delimiter ';')",
            refused.Stderr.Trim());

        var converted = await Cli.RunAsync(dir.Path, "normalize", "--rates", "rates", "--input", "in", "--output", "out", "--csv-delimiter", ";");
        Assert.True(converted.ExitCode == 0, converted.Stderr);
        // A decimal comma is not a decimal point: the row is rejected, not read as 930.
        var reject = Assert.Single(Query($"SELECT amount, note, reject_reason FROM read_parquet('{Glob(dir.Sub("out_rejects"))}')"));
        Assert.Equal("9,30", reject["amount"]);
        Assert.Equal("a;b", reject["note"]);
        Assert.Equal("invalid_amount", reject["reject_reason"]);
    }

    [Fact]
    public async Task Normalize_SeveralFilesWithoutDateColumn_NamesTheFirstInListingOrder()
    {
        // Files are scanned side by side; the error must still be the one a scan in order meets first.
        using var dir = new TempDir();
        WriteSnapshot(dir.Sub("rates"), D("2024-05-01"), ("SGD", "1.35"));
        Directory.CreateDirectory(dir.Sub("in"));
        File.WriteAllText(dir.Sub("in/a.csv"), "day,currency,amount\n" + string.Concat(Enumerable.Repeat("2024-05-01,USD,1\n", 200_000)));
        File.WriteAllText(dir.Sub("in/b.csv"), "day,currency,amount\n2024-05-01,USD,1\n");
        var error = await Assert.ThrowsAsync<FxException>(() => NormalizeJob.RunAsync(new NormalizeOptions
        {
            Rates = dir.Sub("rates"), Input = dir.Sub("in"), Output = dir.Sub("out"),
        }));
        Assert.Contains("a.csv", error.Message);
        Assert.Contains("date column 'txn_date' not found", error.Message);
    }

    [Fact]
    public async Task Normalize_CsvWithBlankLines_SkipsThemButNotAQuotedEmptyField()
    {
        using var dir = new TempDir();
        WriteSnapshot(dir.Sub("rates"), D("2024-05-01"), ("SGD", "1.35"), ("EUR", "0.9"));
        Directory.CreateDirectory(dir.Sub("in"));
        File.WriteAllText(dir.Sub("in/t.csv"), "\r\ntxn_id,txn_date,currency,amount\r\n1,2024-05-01,EUR,9\r\n\r\n2,2024-05-01,EUR,18\r\n\r\n");
        var result = await NormalizeJob.RunAsync(new NormalizeOptions { Rates = dir.Sub("rates"), Input = dir.Sub("in"), Output = dir.Sub("out") });
        Assert.Equal(2, result.Stats.RowsOut);
        Assert.Equal(0, result.Stats.RowsRejected);

        File.WriteAllText(dir.Sub("in/t.csv"), "txn_id,txn_date,currency,amount\n1,2024-05-01,EUR,9\n\"\"\n");
        var error = await Assert.ThrowsAsync<FxException>(() => NormalizeJob.RunAsync(new NormalizeOptions { Rates = dir.Sub("rates"), Input = dir.Sub("in"), Output = dir.Sub("out") }));
        Assert.EndsWith("t.csv line 3: 1 fields where the header has 4", error.Message);
    }

    [Fact]
    public async Task Normalize_CsvOneDataLineMissingColumn_SaysLineNotRange()
    {
        using var dir = new TempDir();
        WriteSnapshot(dir.Sub("rates"), D("2024-05-01"), ("SGD", "1.35"));
        Directory.CreateDirectory(dir.Sub("in"));
        File.WriteAllText(dir.Sub("in/t.csv"), "txn_date,currency,value\n2024-05-01,USD,1\n");
        var error = await Assert.ThrowsAsync<FxException>(() => NormalizeJob.RunAsync(new NormalizeOptions
        {
            Rates = dir.Sub("rates"), Input = dir.Sub("in"), Output = dir.Sub("out"),
        }));
        Assert.EndsWith("t.csv line 2: amount column 'amount' not found (columns: txn_date, currency, value); name it with --amount-column", error.Message);
    }

    [Fact]
    public async Task Normalize_CsvAndParquetTogether_SchemaMismatchInSqlTypes()
    {
        using var dir = new TempDir();
        WriteSnapshot(dir.Sub("rates"), D("2024-05-01"), ("SGD", "1.35"));
        await WriteParquetAsync(dir.Sub("in/a.parquet"), [Dates("txn_date", D("2024-05-01")), Strings("currency", "USD"), Amounts("amount", 1m)]);
        File.WriteAllText(dir.Sub("in/b.csv"), "txn_date,currency,amount\n2024-05-01,USD,1\n");
        var error = await Assert.ThrowsAsync<FxException>(() => NormalizeJob.RunAsync(new NormalizeOptions
        {
            Rates = dir.Sub("rates"), Input = dir.Sub("in"), Output = dir.Sub("out"), Workers = 1,
        }));
        Assert.Contains("currency VARCHAR, amount DECIMAL(18,4), fx_currency VARCHAR NOT NULL, amount_sgd DECIMAL(18,2) NOT NULL, fx_rate DECIMAL(38,18) NOT NULL", error.Message);
        Assert.Contains("currency VARCHAR, amount DECIMAL(38,9), fx_currency VARCHAR NOT NULL, amount_sgd DECIMAL(18,2) NOT NULL", error.Message);
        Assert.DoesNotContain("`1", error.Message);
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
