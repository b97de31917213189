using FxEngine.Data;
using FxEngine.Jobs;
using Parquet.Schema;
using static FxEngine.Tests.TestData;

namespace FxEngine.Tests;

/// <summary>
/// The output contract (README, "Output contract"): a schema that follows the input, the target
/// and the options, never the rates; txn_date in the folder names only; rejects partitioned the
/// same way with the offending value kept; the code used in fx_currency; input files read by name.
/// </summary>
public class OutputContractScenarioTests
{
    /// <summary>Every file under a folder, with txn_date read back from the folder names as a DATE.</summary>
    private static string Table(string folder) => $"read_parquet('{Glob(folder)}', hive_partitioning = true, hive_types = {{'txn_date': DATE}})";

    /// <summary>Each file's Parquet schema as DuckDB reads it (name, physical type, logical type, precision, scale).</summary>
    private static List<string> FileSchemas(string folder) =>
        Query($"SELECT regexp_replace(file_name, '.*/', '') AS file, name, type, logical_type, precision, scale FROM parquet_schema('{Glob(folder)}') ORDER BY file_name, name")
            .Select(r => string.Join(" ", r.Where(c => c.Key != "file").Select(c => c.Value))).ToList();

    [Fact]
    public async Task Normalize_SnapshotAddsBtc_SchemaIdenticalBeforeAndAfter()
    {
        using var dir = new TempDir();
        WriteSnapshot(dir.Sub("rates"), D("2024-01-01"), ("SGD", "1.34"), ("EUR", "0.92"));
        WriteSnapshot(dir.Sub("rates"), D("2024-01-02"), ("SGD", "1.35"), ("EUR", "0.91"));
        await WriteParquetAsync(dir.Sub("in/t.parquet"),
        [
            Strings("txn_id", "a", "b"), Dates("txn_date", D("2024-01-01"), D("2024-01-02")), Strings("currency", "EUR", "USD"), Amounts("amount", 10m, 20m),
        ]);
        var options = new NormalizeOptions { Rates = dir.Sub("rates"), Input = dir.Sub("in"), Output = dir.Sub("out") };
        await NormalizeJob.RunAsync(options);
        var before = FileSchemas(dir.Sub("out"));

        // BTC at six figures in SGD: a rate-dependent scale would lose places here.
        WriteSnapshot(dir.Sub("rates"), D("2024-01-02"), ("SGD", "1.35"), ("EUR", "0.91"), ("BTC", "0.0000101"));
        await NormalizeJob.RunAsync(options);
        var after = FileSchemas(dir.Sub("out"));

        Assert.NotEmpty(before);
        Assert.Equal(before, after);
        Assert.Contains(after, line => line.StartsWith("fx_rate FIXED_LEN_BYTE_ARRAY", StringComparison.Ordinal) && line.EndsWith(" 38 18", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Normalize_DayWithoutSnapshot_StateCountsItsStaleRowsAsWritten()
    {
        using var dir = new TempDir();
        WriteSnapshot(dir.Sub("rates"), D("2024-01-01"), ("SGD", "1.34"), ("EUR", "0.92"));
        WriteSnapshot(dir.Sub("rates"), D("2024-01-03"), ("SGD", "1.35"), ("EUR", "0.91"));
        await WriteParquetAsync(dir.Sub("in/t.parquet"),
        [
            Strings("txn_id", "a", "b", "c", "d"),
            Dates("txn_date", D("2024-01-01"), D("2024-01-02"), D("2024-01-02"), D("2024-01-03")),
            Strings("currency", "EUR", "EUR", "SGD", "EUR"),
            Amounts("amount", 10m, 20m, 30m, 40m),
        ]);

        await NormalizeJob.RunAsync(new NormalizeOptions { Rates = dir.Sub("rates"), Input = dir.Sub("in"), Output = dir.Sub("out") });

        var written = Query($"SELECT CAST(txn_date AS VARCHAR) AS day, count(*) FILTER (WHERE fx_status = 'stale') AS stale FROM {Table(dir.Sub("out"))} GROUP BY day ORDER BY day")
            .Select(r => ((string)r["day"]!, Convert.ToInt64(r["stale"]))).ToList();
        var partitions = System.Text.Json.JsonDocument.Parse(File.ReadAllText(dir.Sub("out/_fxengine/state.json"))).RootElement.GetProperty("partitions");
        var counted = partitions.EnumerateObject().Select(p => (p.Name, p.Value.GetProperty("stale_rows").GetInt64())).OrderBy(p => p.Name).ToList();
        Assert.Equal([("2024-01-01", 0L), ("2024-01-02", 2L), ("2024-01-03", 0L)], written);
        Assert.Equal(written, counted);
    }

    [Fact]
    public async Task Normalize_UndatedRows_DefaultPartitionKeepsRawDate()
    {
        using var dir = new TempDir();
        WriteSnapshot(dir.Sub("rates"), D("2024-05-01"), ("SGD", "1.35"), ("EUR", "0.9"));
        Directory.CreateDirectory(dir.Sub("in"));
        File.WriteAllText(dir.Sub("in/t.csv"), "txn_id,txn_date,currency,amount\nok,2024-05-01,EUR,1\nbad-date,2024-02-30,EUR,1\nno-date,,EUR,1\nbad-code,2024-05-01, US$ ,1\n");

        await NormalizeJob.RunAsync(new NormalizeOptions { Rates = dir.Sub("rates"), Input = dir.Sub("in"), Output = dir.Sub("out") });

        Assert.Single(Directory.GetFiles(dir.Sub("out_rejects/txn_date=__HIVE_DEFAULT_PARTITION__"), "part-*.parquet"));
        var rejects = Query($"SELECT txn_id, reject_reason, reject_detail, CAST(txn_date AS VARCHAR) AS day FROM {Table(dir.Sub("out_rejects"))} ORDER BY txn_id")
            .Select(r => ((string)r["txn_id"]!, (string)r["reject_reason"]!, r["reject_detail"] as string, r["day"] as string));
        Assert.Equal(
        [
            ("bad-code", "invalid_currency", " US$ ", "2024-05-01"),
            ("bad-date", "invalid_date", "2024-02-30", null),
            ("no-date", "invalid_date", null, null),
        ], rejects);
    }

    [Fact]
    public async Task Normalize_PaddedLowerCaseCode_FxCurrencyGroupsAsTheCodeUsed()
    {
        using var dir = new TempDir();
        WriteSnapshot(dir.Sub("rates"), D("2024-05-01"), ("SGD", "1.35"), ("EUR", "0.9"));
        await WriteParquetAsync(dir.Sub("in/t.parquet"),
        [
            Strings("txn_id", "a", "b", "c"), Dates("txn_date", D("2024-05-01"), D("2024-05-01"), D("2024-05-01")),
            Strings("currency", " sgd ", "SGD", "eur\t"), Amounts("amount", 1m, 2m, 3m),
        ]);
        foreach (var (engine, output) in new[] { ("engine", "out"), ("duckdb", "duck") })
        {
            var options = new NormalizeOptions { Rates = dir.Sub("rates"), Input = dir.Sub("in"), Output = dir.Sub(output) };
            _ = engine == "engine" ? await NormalizeJob.RunAsync(options) : await DuckDbNormalizeJob.RunAsync(options);

            var groups = Query($"SELECT fx_currency, count(*) AS n, CAST(min(txn_date) AS VARCHAR) AS day FROM {Table(dir.Sub(output))} GROUP BY 1 ORDER BY 1")
                .Select(r => ((string)r["fx_currency"]!, Convert.ToInt64(r["n"]), (string)r["day"]!));
            Assert.Equal([("EUR", 1L, "2024-05-01"), ("SGD", 2L, "2024-05-01")], groups);
        }
    }

    [Fact]
    public async Task Normalize_FilesWithAddedColumnAndWiderDecimal_OneMergedSchema()
    {
        using var dir = new TempDir();
        WriteSnapshot(dir.Sub("rates"), D("2024-05-01"), ("SGD", "1.35"), ("EUR", "0.9"));
        await WriteParquetAsync(dir.Sub("in/a.parquet"),
        [
            Strings("txn_id", "a"), Dates("txn_date", D("2024-05-01")), Strings("currency", "EUR"),
            new RequiredColumn<decimal>(new DecimalDataField("amount", 10, 2, isNullable: false), [10.25m]),
        ]);
        await WriteParquetAsync(dir.Sub("in/b.parquet"),
        [
            Strings("txn_id", "b"), Dates("txn_date", D("2024-05-01")), Strings("currency", "EUR"),
            new OptionalColumn<decimal>(new DecimalDataField("amount", 18, 4, isNullable: true), [1234.5678m]),
            Strings("channel", "web"),
        ]);

        foreach (var (engine, output) in new[] { ("engine", "out"), ("duckdb", "duck") })
        {
            var options = new NormalizeOptions { Rates = dir.Sub("rates"), Input = dir.Sub("in"), Output = dir.Sub(output) };
            var result = engine == "engine" ? await NormalizeJob.RunAsync(options) : await DuckDbNormalizeJob.RunAsync(options);
            Assert.Equal(2, result.Stats.RowsOut);

            // One file, one schema: amount wide enough for both, channel null where a file lacked it.
            var rows = Query($"SELECT txn_id, CAST(amount AS VARCHAR) AS amount, typeof(amount) AS type, channel, CAST(amount_sgd AS VARCHAR) AS sgd FROM {Table(dir.Sub(output))} ORDER BY txn_id")
                .Select(r => ((string)r["txn_id"]!, (string)r["amount"]!, (string)r["type"]!, r["channel"] as string, (string)r["sgd"]!));
            Assert.Equal([("a", "10.2500", "DECIMAL(18,4)", null, "15.38"), ("b", "1234.5678", "DECIMAL(18,4)", "web", "1851.85")], rows);
        }
        Assert.Equal(FileSchemas(dir.Sub("out")).Count, FileSchemas(dir.Sub("duck")).Count);
    }

    [Fact]
    public async Task Normalize_FilesWithTimestampUnitsAndColumnsOfOtherTypesMissing_OneMergedSchemaNoValueLost()
    {
        using var dir = new TempDir();
        WriteSnapshot(dir.Sub("rates"), D("2024-05-01"), ("SGD", "1.35"), ("EUR", "0.9"));
        DateTimeDataField Created(DateTimeTimeUnit unit) => new("created", DateTimeFormat.Timestamp, isAdjustedToUTC: false, unit, isNullable: false);
        await WriteParquetAsync(dir.Sub("in/a.parquet"),
        [
            Strings("txn_id", "a"), Dates("txn_date", D("2024-05-01")), Strings("currency", "EUR"), Amounts("amount", 9m),
            new RequiredColumn<DateTime>(Created(DateTimeTimeUnit.Millis), [new DateTime(2024, 5, 1, 10, 0, 0, 123)]),
            new RequiredColumn<bool>(new DataField<bool>("is_refund", nullable: false), [true]),
            new RequiredColumn<float>(new DataField<float>("fee", nullable: false), [0.25f]),
            new RequiredColumn<Guid>(new DataField<Guid>("trace", nullable: false), [Guid.Parse("6f1c2a52-7d0e-4d4f-9a51-0f7f1b4a2c11")]),
        ]);
        await WriteParquetAsync(dir.Sub("in/b.parquet"),
        [
            Strings("txn_id", "b"), Dates("txn_date", D("2024-05-01")), Strings("currency", "EUR"), Amounts("amount", 18m),
            new RequiredColumn<DateTime>(Created(DateTimeTimeUnit.Micros), [new DateTime(2024, 5, 1, 11, 0, 0, 123).AddTicks(4560)]),
        ]);

        var result = await NormalizeJob.RunAsync(new NormalizeOptions { Rates = dir.Sub("rates"), Input = dir.Sub("in"), Output = dir.Sub("out") });

        Assert.Equal(2, result.Stats.RowsOut);
        var rows = Query($"SELECT txn_id, CAST(created AS VARCHAR) AS created, typeof(created) AS type, is_refund, fee, CAST(trace AS VARCHAR) AS trace FROM {Table(dir.Sub("out"))} ORDER BY txn_id")
            .Select(r => ((string)r["txn_id"]!, (string)r["created"]!, (string)r["type"]!, r["is_refund"], r["fee"], r["trace"]));
        Assert.Equal(
        [
            ("a", "2024-05-01 10:00:00.123", "TIMESTAMP", (object?)true, (object?)0.25f, (object?)"6f1c2a52-7d0e-4d4f-9a51-0f7f1b4a2c11"),
            ("b", "2024-05-01 11:00:00.123456", "TIMESTAMP", null, null, null),
        ], rows);
        Assert.Single(Directory.GetFiles(dir.Sub("out"), "*.parquet", SearchOption.AllDirectories)); // one file: both rows under one schema
    }

    [Theory]
    [InlineData("fx_units", "column 'fx_units' has the name of a column the SQL executors work with")]
    [InlineData("FX_Code", "column 'FX_Code' has the name of a column the SQL executors work with")]
    [InlineData("FX_Rate", "the input already has a column 'FX_Rate', which the normalizer adds as 'fx_rate' (readers match names ignoring case)")]
    public async Task NormalizeDuckDb_InputColumnNamedLikeASqlColumn_RefusedRatherThanReadInItsPlace(string column, string why)
    {
        using var dir = new TempDir();
        WriteSnapshot(dir.Sub("rates"), D("2024-05-01"), ("SGD", "1.35"), ("EUR", "0.9"));
        await WriteParquetAsync(dir.Sub("in/t.parquet"),
        [
            Strings("txn_id", "a"), Dates("txn_date", D("2024-05-01")), Strings("currency", "EUR"), Amounts("amount", 9m),
            new RequiredColumn<int>(new DataField<int>(column, nullable: false), [5]),
        ]);
        NormalizeOptions Options(string output) => new() { Rates = dir.Sub("rates"), Input = dir.Sub("in"), Output = dir.Sub(output) };

        var error = await Assert.ThrowsAsync<FxException>(() => DuckDbNormalizeJob.RunAsync(Options("out")));

        Assert.Contains($"t.parquet: {why}", error.Message);
        Assert.False(Directory.Exists(dir.Sub("out")) && Directory.EnumerateFiles(dir.Sub("out"), "*.parquet", SearchOption.AllDirectories).Any());
        // The engine executor reads a working column's name as any other; an added column's, in any case, it refuses too.
        if (column.StartsWith("FX_Rate", StringComparison.Ordinal))
            Assert.Contains(why, (await Assert.ThrowsAsync<FxException>(() => NormalizeJob.RunAsync(Options("engine")))).Message);
        else
            Assert.Equal(1, (await NormalizeJob.RunAsync(Options("engine"))).Stats.RowsOut);
    }

    [Fact]
    public async Task Normalize_TimestampAdjustedToUtcInOneFileOnly_ErrorSaysSo()
    {
        using var dir = new TempDir();
        WriteSnapshot(dir.Sub("rates"), D("2024-05-01"), ("SGD", "1.35"), ("EUR", "0.9"));
        foreach (var (name, utc) in new[] { ("a", true), ("b", false) })
            await WriteParquetAsync(dir.Sub($"in/{name}.parquet"),
            [
                Strings("txn_id", name), Dates("txn_date", D("2024-05-01")), Strings("currency", "EUR"), Amounts("amount", 1m),
                new RequiredColumn<DateTime>(new DateTimeDataField("created", DateTimeFormat.Timestamp, isAdjustedToUTC: utc, DateTimeTimeUnit.Micros, isNullable: false),
                    [new DateTime(2024, 5, 1, 10, 0, 0, DateTimeKind.Utc)]),
            ]);

        var error = await Assert.ThrowsAsync<FxException>(() => NormalizeJob.RunAsync(new NormalizeOptions { Rates = dir.Sub("rates"), Input = dir.Sub("in"), Output = dir.Sub("out") }));

        Assert.Contains("column 'created'", error.Message);
        Assert.Contains("a.parquet", error.Message);
        Assert.Contains("b.parquet", error.Message);
        Assert.Contains("one is adjusted to UTC and the other is not", error.Message);
    }

    [Fact]
    public async Task Normalize_FilesWithIncompatibleTypes_ErrorNamesBothFilesAndColumn()
    {
        using var dir = new TempDir();
        WriteSnapshot(dir.Sub("rates"), D("2024-05-01"), ("SGD", "1.35"), ("EUR", "0.9"));
        await WriteParquetAsync(dir.Sub("in/a.parquet"), [Strings("txn_id", "a"), Dates("txn_date", D("2024-05-01")), Strings("currency", "EUR"), Amounts("amount", 1m)]);
        await WriteParquetAsync(dir.Sub("in/b.parquet"), [Strings("txn_id", "b"), Dates("txn_date", D("2024-05-01")), Strings("currency", "EUR"), Strings("amount", "1")]);

        foreach (var run in new Func<NormalizeOptions, Task>[] { o => NormalizeJob.RunAsync(o), o => DuckDbNormalizeJob.RunAsync(o) })
        {
            var error = await Assert.ThrowsAsync<FxException>(() => run(new NormalizeOptions { Rates = dir.Sub("rates"), Input = dir.Sub("in"), Output = dir.Sub("out") }));
            Assert.Contains("column 'amount' is DECIMAL(18,4)", error.Message);
            Assert.Contains(Path.Combine(dir.Sub("in"), "a.parquet"), error.Message);
            Assert.Contains(Path.Combine(dir.Sub("in"), "b.parquet"), error.Message);
            Assert.Contains("VARCHAR", error.Message);
        }
        Assert.Empty(Directory.GetFiles(dir.Sub("out"), "*.parquet", SearchOption.AllDirectories));
    }
}
