using FxEngine.Data;
using FxEngine.Jobs;
using FxEngine.Plan;
using FxEngine.Sources.Transactions;
using static FxEngine.Tests.TestData;

namespace FxEngine.Tests;

/// <summary>
/// The engine and DuckDB running the rendered SQL must agree to the last digit: the same
/// output rows (amount, rate, rate date, status) and the same rejects with the same reasons.
/// </summary>
public class DifferentialScenarioTests
{
    [Fact]
    public async Task EngineAndDuckDb_GeneratedData_IdenticalRowsAndRejects()
    {
        using var dir = new TempDir();
        // Transactions from a week before the first snapshot (missing_rate) with every sixth day
        // of rates missing (stale rows).
        await TransactionGenerator.WriteAsync(new GenerateOptions
        {
            Rows = 100_000, Output = dir.Sub("raw"), From = D("2023-12-25"), To = D("2024-02-15"), Seed = 11, RowsPerFile = 60_000, RowGroupRows = 20_000,
        });
        WriteSyntheticRates(dir.Sub("rates"), D("2024-01-01"), D("2024-02-15"), skip: day => day.DayNumber % 6 == 0);

        await AssertAgreeAsync(dir.Path, "SGD");
    }

    [Fact]
    public async Task EngineAndDuckDb_PathsWithQuoteBackslashSpaceNonAscii_IdenticalRowsAndRejects()
    {
        using var dir = new TempDir();
        // Every location DuckDB is given (input files, rate table, staging) lives under this folder.
        var root = dir.Sub("l'ake \\ d\u00e9p\u00f4t \u6570\u636e");
        await TransactionGenerator.WriteAsync(new GenerateOptions
        {
            Rows = 5_000, Output = Path.Combine(root, "raw"), From = D("2024-01-01"), To = D("2024-01-10"), Seed = 3,
        });
        WriteSyntheticRates(Path.Combine(root, "rates"), D("2024-01-01"), D("2024-01-10"));

        await AssertAgreeAsync(root, "SGD");
    }

    [Theory]
    [InlineData("SGD")]
    [InlineData("JPY")]
    [InlineData("KWD")]
    public async Task EngineAndDuckDb_EdgeCases_IdenticalRowsAndRejects(string target)
    {
        using var dir = new TempDir();
        WriteSnapshot(dir.Sub("rates"), D("2024-01-01"), ("SGD", "1.25"), ("EUR", "0.5"), ("JPY", "100"), ("KWD", "0.25"), ("BHD", "0.376"));
        WriteSnapshot(dir.Sub("rates"), D("2024-01-03"), ("SGD", "1.3"), ("JPY", "101"), ("KWD", "0.2501"), ("BHD", "0.376"));
        var rows = new (string Id, DateOnly? Date, string? Currency, decimal? Amount)[]
        {
            ("midpoint-up", D("2024-01-01"), "EUR", 0.0020m),       // 0.005 SGD: half away from zero
            ("midpoint-down", D("2024-01-01"), "EUR", -0.0020m),
            ("below-midpoint", D("2024-01-01"), "EUR", 0.0019m),
            ("yen-midpoint", D("2024-01-01"), "JPY", 2m),
            ("kwd", D("2024-01-01"), "KWD", 0.1m),
            ("bhd", D("2024-01-03"), "BHD", 1234.5678m),
            ("big", D("2024-01-01"), "EUR", 99_999_999_999_999.9999m),
            ("zero", D("2024-01-01"), "USD", 0m),
            ("padded-lower", D("2024-01-01"), " eur ", 10m),
            ("tab-padded", D("2024-01-01"), "EUR\t", 10m),
            ("newline-padded", D("2024-01-01"), "\r\nusd\n", 10m),
            ("inner-space", D("2024-01-01"), "E UR", 10m),
            // Java's $ (Spark's RLIKE) also matches before a final line terminator; the trim set
            // is spaces, tabs, CR and LF only; upper-casing differs between runtimes beyond ASCII.
            ("code-lf", D("2024-01-01"), "USD\n", 10m),
            ("code-tabs-crlf", D("2024-01-01"), "\t usd\r\n", 10m),
            ("code-u2028", D("2024-01-01"), "USD\u2028", 10m),
            ("code-u0085", D("2024-01-01"), "USD\u0085", 10m),
            ("code-u2028-first", D("2024-01-01"), "\u2028USD", 10m),
            ("code-nbsp", D("2024-01-01"), "USD\u00a0", 10m),
            ("code-umlaut", D("2024-01-01"), "\u00dcSD", 10m),
            ("code-dotless-i", D("2024-01-01"), "\u0131sk", 10m),
            ("code-long-s", D("2024-01-01"), "\u017fgd", 10m),
            ("code-sharp-s", D("2024-01-01"), "u\u00dfd", 10m),
            ("code-ligature", D("2024-01-01"), "\ufb00x", 10m),
            ("code-four", D("2024-01-01"), "USDX", 10m),
            ("stale", D("2024-01-04"), "EUR", 10m),                // EUR last quoted 01-01: 3 days stale
            ("stale-limit", D("2024-01-08"), "EUR", 10m),          // 7 days: still allowed
            ("too-stale", D("2024-01-09"), "EUR", 10m),            // 8 days: missing_rate
            ("before-first", D("2023-12-31"), "EUR", 10m),
            ("unknown", D("2024-01-01"), "ZZZ", 10m),
            ("invalid", D("2024-01-01"), "U$D", 10m),
            ("no-currency", D("2024-01-01"), null, 10m),
            ("no-amount", D("2024-01-01"), "EUR", null),
            ("no-date", null, "EUR", 10m),
            ("target-itself", D("2024-01-03"), target, 1.23456m),
        };
        await WriteParquetAsync(dir.Sub("raw/edge.parquet"),
        [
            Strings("txn_id", rows.Select(r => r.Id).ToArray()),
            new OptionalColumn<DateOnly>(new Parquet.Schema.DataField<DateOnly>("txn_date", nullable: true), rows.Select(r => r.Date).ToArray()),
            Strings("currency", rows.Select(r => r.Currency).ToArray()),
            Amounts("amount", rows.Select(r => r.Amount).ToArray()),
        ]);

        await AssertAgreeAsync(dir.Path, target);
        Assert.True(Directory.Exists(dir.Sub("engine_rejects/txn_date=__HIVE_DEFAULT_PARTITION__")));

        // Not only alike but right: the engine's rule, trimmed of spaces, tabs, CR and LF, then
        // exactly three ASCII letters.
        var reasons = Query($"SELECT txn_id, reject_reason FROM read_parquet('{Glob(dir.Sub("engine_rejects"))}') WHERE txn_id LIKE 'code-%'")
            .ToDictionary(r => (string)r["txn_id"]!, r => (string)r["reject_reason"]!);
        Assert.Equal(new Dictionary<string, string>
        {
            ["code-u2028"] = "invalid_currency", ["code-u0085"] = "invalid_currency", ["code-u2028-first"] = "invalid_currency",
            ["code-nbsp"] = "invalid_currency", ["code-umlaut"] = "invalid_currency", ["code-dotless-i"] = "invalid_currency",
            ["code-long-s"] = "invalid_currency", ["code-sharp-s"] = "invalid_currency", ["code-ligature"] = "invalid_currency", ["code-four"] = "invalid_currency",
        }, reasons);
    }

    [Fact]
    public async Task EngineAndDuckDb_AmountsOfSparksDefaultDecimal38Scale18_IdenticalRows()
    {
        using var dir = new TempDir();
        // Rates of twelve and fifteen places make conversion factors of 13 and more digits: a
        // product of the amount's unscaled integer and the factor passes 38 digits (the SQL's
        // integers) for 130 BTC, where the converted amount is far inside the output's range.
        WriteSnapshot(dir.Sub("rates"), D("2024-01-01"), ("SGD", "1.345678901234"), ("EUR", "0.5"), ("JPY", "100"), ("BTC", "0.000015234567891234"));
        decimal?[] amounts = [150.25m, -150.25m, 0.000000000000000001m, -0.5m, 12_345_678.123456789012345678m, 999m, null,
                              130.123456789012345678m, -999_999.999999999999999999m, 0.000000000000000005m,
                              99_999_999_999_999_999_999m, -99_999_999_999.5m]; // out of the output's range; in it
        string[] currencies = ["EUR", "JPY", "EUR", "JPY", "EUR", "JPY", "EUR", "BTC", "BTC", "BTC", "BTC", "EUR"];
        await WriteParquetAsync(dir.Sub("raw/wide.parquet"),
        [
            Strings("txn_id", amounts.Select((_, i) => $"w{i}").ToArray()),
            Dates("txn_date", amounts.Select(_ => D("2024-01-01")).ToArray()),
            Strings("currency", currencies),
            new OptionalColumn<decimal>(new Parquet.Schema.DecimalDataField("amount", 38, 18, isNullable: true), amounts),
        ]);

        await AssertAgreeAsync(dir.Path, "SGD");
        Assert.Equal("404.38", Query($"SELECT CAST(amount_sgd AS VARCHAR) AS a FROM read_parquet('{Glob(dir.Sub("duck"))}') WHERE txn_id = 'w0'")[0]["a"]);
        Assert.Equal("invalid_amount", Query($"SELECT reject_reason AS r FROM read_parquet('{Glob(dir.Sub("duck_rejects"))}') WHERE txn_id = 'w10'")[0]["r"]);
    }

    [Fact]
    public async Task EngineAndDuckDb_RequiredAmountsOfDecimal38Scale18_IdenticalRows()
    {
        using var dir = new TempDir();
        WriteSnapshot(dir.Sub("rates"), D("2024-01-01"), ("SGD", "1.345678901234"), ("EUR", "0.5"));
        decimal[] amounts = [150.25m, -0.000000000000000001m, 1234567890.123456789012345678m, 0m];
        await WriteParquetAsync(dir.Sub("raw/required.parquet"),
        [
            Strings("txn_id", amounts.Select((_, i) => $"r{i}").ToArray()),
            Dates("txn_date", amounts.Select(_ => D("2024-01-01")).ToArray()),
            Strings("currency", "EUR", "EUR", "EUR", "ZZZ"), // one reject, so both tables have rows
            new RequiredColumn<decimal>(new Parquet.Schema.DecimalDataField("amount", 38, 18, isNullable: false), amounts),
        ]);
        File.Copy(dir.Sub("raw/required.parquet"), dir.Sub("raw/copy.parquet"));

        await AssertAgreeAsync(dir.Path, "SGD");
        Assert.Equal(["1234567890.123456789012345678", "1234567890.123456789012345678"],
            Query($"SELECT CAST(amount AS VARCHAR) AS a FROM read_parquet('{Glob(dir.Sub("engine"))}') WHERE txn_id = 'r2'").Select(r => r["a"]));
    }

    [Theory]
    [InlineData("JPY", 38, 18)]
    [InlineData("SGD", 38, 18)]
    [InlineData("JPY", 18, 2)]
    public async Task EngineAndDuckDb_RatesOfSeventeenDigits_IdenticalRows(string target, int precision, int scale)
    {
        // Rates as a double's shortest text prints them: factors of 20 and more digits, whose
        // product with an amount's 18 places passes 38 digits unless the factor is split too.
        using var dir = new TempDir();
        WriteSnapshot(dir.Sub("rates"), D("2024-01-01"), ("SGD", "1.3456789012345678"), ("JPY", "151.23456789012345"),
            ("BTC", "0.000015234567891234567"), ("EUR", "0.92345678901234567"));
        decimal?[] amounts = [1.5m, 0m, 10.25m, -0.01m, 150_000_000_000_000m, null];
        string[] currencies = ["BTC", "BTC", "EUR", "BTC", "EUR", "EUR"];
        await WriteParquetAsync(dir.Sub("raw/digits.parquet"),
        [
            Strings("txn_id", amounts.Select((_, i) => $"d{i}").ToArray()),
            Dates("txn_date", amounts.Select(_ => D("2024-01-01")).ToArray()),
            Strings("currency", currencies),
            new OptionalColumn<decimal>(new Parquet.Schema.DecimalDataField("amount", precision, scale, isNullable: true), amounts),
        ]);

        await AssertAgreeAsync(dir.Path, target);
    }

    [Fact]
    public async Task Engine_AmountOfMoreDigitsThanADecimalHolds_FailsNamingItRatherThanRounding()
    {
        // 30 significant digits (DuckDB writes them; Spark computes such values). Parquet.Net's
        // decimal read rounds it to ...005, which converted to a cent more than the exact .00.
        using var dir = new TempDir();
        WriteSnapshot(dir.Sub("rates"), D("2024-01-01"), ("SGD", "1.25"), ("EUR", "1.25"));
        Directory.CreateDirectory(dir.Sub("raw"));
        Query($"COPY (SELECT * FROM (VALUES ('t1', DATE '2024-01-01', 'EUR', CAST('1234567890.123456789012345678' AS DECIMAL(38,18))), " +
              $"('t2', DATE '2024-01-01', 'EUR', CAST('123456789012.004999999999999999' AS DECIMAL(38,18)))) v(txn_id, txn_date, currency, amount)) " +
              $"TO {SqlRenderer.Literal(SqlDialect.DuckDb, dir.Sub("raw/wide.parquet"))} (FORMAT parquet)");

        var error = await Assert.ThrowsAsync<FxException>(() => NormalizeJob.RunAsync(
            new NormalizeOptions { Rates = dir.Sub("rates"), Input = dir.Sub("raw"), Output = dir.Sub("engine") }));
        Assert.Equal($"{dir.Sub("raw/wide.parquet")} row group 0: cannot read column 'amount' (the value 123456789012.004999999999999999 has more significant digits " +
            "than the engine carries exactly (a .NET decimal: 28); use --engine duckdb, which reads it exactly, or a narrower decimal)", error.Message);
        Assert.False(Directory.Exists(dir.Sub("engine/txn_date=2024-01-01")));

        // DuckDB converts it exactly; 28 digits the engine reads exactly too.
        var duck = await DuckDbNormalizeJob.RunAsync(new NormalizeOptions { Rates = dir.Sub("rates"), Input = dir.Sub("raw"), Output = dir.Sub("duck") });
        Assert.Equal(["t1 1234567890.123456789012345678 1234567890.12", "t2 123456789012.004999999999999999 123456789012.00"],
            Query($"SELECT txn_id || ' ' || CAST(amount AS VARCHAR) || ' ' || CAST(amount_sgd AS VARCHAR) AS r FROM read_parquet('{Glob(dir.Sub("duck"))}') ORDER BY 1").Select(r => r["r"]));
        File.Delete(dir.Sub("raw/wide.parquet"));
        Query($"COPY (SELECT 't1' AS txn_id, DATE '2024-01-01' AS txn_date, 'EUR' AS currency, CAST('1234567890.123456789012345678' AS DECIMAL(38,18)) AS amount) " +
              $"TO {SqlRenderer.Literal(SqlDialect.DuckDb, dir.Sub("raw/wide.parquet"))} (FORMAT parquet)");
        await NormalizeJob.RunAsync(new NormalizeOptions { Rates = dir.Sub("rates"), Input = dir.Sub("raw"), Output = dir.Sub("engine") });
        Assert.Equal(["t1 1234567890.123456789012345678 1234567890.12"],
            Query($"SELECT txn_id || ' ' || CAST(amount AS VARCHAR) || ' ' || CAST(amount_sgd AS VARCHAR) AS r FROM read_parquet('{Glob(dir.Sub("engine"))}')").Select(r => r["r"]));
    }

    [Fact]
    public async Task DuckDb_FactorTooLongForTheSqlIntegers_RefusedNamingTheRate()
    {
        using var dir = new TempDir();
        WriteSnapshot(dir.Sub("rates"), D("2024-01-01"), ("SGD", "1.25"), ("EUR", "0.123456789012345678901234567"));
        await WriteParquetAsync(dir.Sub("raw/x.parquet"),
        [
            Strings("txn_id", "t1"),
            Dates("txn_date", D("2024-01-01")),
            Strings("currency", "EUR"),
            new OptionalColumn<decimal>(new Parquet.Schema.DecimalDataField("amount", 38, 18, isNullable: true), [1m]),
        ]);

        var error = await Assert.ThrowsAsync<FxException>(() => DuckDbNormalizeJob.RunAsync(
            new NormalizeOptions { Rates = dir.Sub("rates"), Input = dir.Sub("raw"), Output = dir.Sub("duck") }));
        Assert.StartsWith("the EUR rate of 2024-01-01 (", error.Message);
        Assert.EndsWith("has too many digits for the SQL executors' integers (38 digits, 32 in Spark's quotients) with amounts of scale 18, whether or not a row is in EUR; " +
            "use the engine executor, or leave the currency out of the rates", error.Message);
        Assert.False(Directory.Exists(dir.Sub("duck/txn_date=2024-01-01")));

        // emr plan refuses the same rates before it stages anything.
        var plan = await Assert.ThrowsAsync<FxException>(() => EmrPlanJob.RunAsync(new EmrPlanOptions
        {
            Normalize = new NormalizeOptions { Rates = dir.Sub("rates"), Input = dir.Sub("raw"), Output = "s3://fx-lake/out/" },
            Staging = dir.Sub("jobs"),
        }));
        Assert.StartsWith("the EUR rate of 2024-01-01 (", plan.Message);
        Assert.False(Directory.Exists(dir.Sub("jobs")) && Directory.EnumerateFileSystemEntries(dir.Sub("jobs")).Any(), "a refused plan staged files");
    }

    [Fact]
    public async Task EmrPlan_FactorWholePartBeyondSparksQuotients_RefusedNamingTheRate()
    {
        // A target of four places (CLF) and whole amounts: n = 10^28 × 10^4 within the products' bound,
        // but n ÷ d, a quotient Spark holds as DECIMAL(38,6), would be null for every EUR row.
        using var dir = new TempDir();
        WriteSnapshot(dir.Sub("rates"), D("2024-01-01"), ("CLF", "1"), ("EUR", "0.0000000000000000000000000001"));
        await WriteParquetAsync(dir.Sub("raw/x.parquet"),
        [
            Strings("txn_id", "t1"),
            Dates("txn_date", D("2024-01-01")),
            Strings("currency", "EUR"),
            new OptionalColumn<decimal>(new Parquet.Schema.DecimalDataField("amount", 18, 0, isNullable: true), [1m]),
        ]);

        var plan = await Assert.ThrowsAsync<FxException>(() => EmrPlanJob.RunAsync(new EmrPlanOptions
        {
            Normalize = new NormalizeOptions { Rates = dir.Sub("rates"), Input = dir.Sub("raw"), Output = "s3://fx-lake/out/", Target = "CLF" },
            Staging = dir.Sub("jobs"),
        }));

        Assert.StartsWith("the EUR rate of 2024-01-01 (10000000000000000000000000000 / 1 CLF per EUR) has too many digits", plan.Message);
        Assert.False(Directory.Exists(dir.Sub("jobs")) && Directory.EnumerateFileSystemEntries(dir.Sub("jobs")).Any(), "a refused plan staged files");
    }

    [Fact]
    public async Task EngineAndDuckDb_WholeAmountsFarBeyondTheOutputsRange_RejectedAsTheEngineDoes()
    {
        // Whole amounts (scale 0) of a currency worth 10^9 dollars: amount × factor passes the SQL's
        // 128-bit integers, and the row is an invalid_amount in the engine, not a failed run.
        using var dir = new TempDir();
        WriteSnapshot(dir.Sub("rates"), D("2024-01-01"), ("SGD", "1.345678901234"), ("XAU", "0.000000001"));
        decimal?[] amounts = [79_000_000_000_000_000_000_000_000_000m, -79_000_000_000_000_000_000_000_000_000m, 12m, 7_000_000m];
        await WriteParquetAsync(dir.Sub("raw/whole.parquet"),
        [
            Strings("txn_id", amounts.Select((_, i) => $"x{i}").ToArray()),
            Dates("txn_date", amounts.Select(_ => D("2024-01-01")).ToArray()),
            Strings("currency", amounts.Select(_ => "XAU").ToArray()),
            new OptionalColumn<decimal>(new Parquet.Schema.DecimalDataField("amount", 38, 0, isNullable: true), amounts),
        ]);

        await AssertAgreeAsync(dir.Path, "SGD");
        Assert.Equal(["invalid_amount", "invalid_amount"], Query($"SELECT reject_reason AS r FROM read_parquet('{Glob(dir.Sub("duck_rejects"))}') ORDER BY txn_id").Select(r => r["r"]));
    }

    private static async Task AssertAgreeAsync(string root, string target)
    {
        string Sub(string name) => Path.Combine(root, name);
        var engine = await NormalizeJob.RunAsync(new NormalizeOptions { Rates = Sub("rates"), Input = Sub("raw"), Output = Sub("engine"), Target = target });
        var duck = await DuckDbNormalizeJob.RunAsync(new NormalizeOptions { Rates = Sub("rates"), Input = Sub("raw"), Output = Sub("duck"), Target = target });

        var amount = $"amount_{target.ToLowerInvariant()}";
        // The files listed rather than globbed: DuckDB's glob takes a backslash for a separator.
        // txn_date comes back from the folder names only (hive partitioning), as a DATE.
        string Files(string folder) => $"read_parquet([{string.Join(", ", Directory.GetFiles(Sub(folder), "*.parquet", SearchOption.AllDirectories).Select(f => SqlRenderer.Literal(SqlDialect.DuckDb, f)))}], hive_partitioning = true, hive_types = {{'txn_date': DATE}})";
        string Rows(string folder) => $"SELECT txn_id || '|' || fx_currency || '|' || CAST({amount} AS VARCHAR) || '|' || CAST(fx_rate AS VARCHAR) || '|' || CAST(fx_rate_date AS VARCHAR) || '|' || fx_status || '|' || CAST(txn_date AS VARCHAR) AS r FROM {Files(folder)} ORDER BY 1";
        string Rejects(string folder) => $"SELECT txn_id || '|' || reject_reason || '|' || coalesce(reject_detail, '<null>') || '|' || coalesce(CAST(txn_date AS VARCHAR), '<default>') AS r FROM {Files(folder)} ORDER BY 1";
        string Schema(string folder) => $"SELECT column_name || ' ' || column_type AS r FROM (DESCRIBE SELECT * FROM {Files(folder)})";
        var engineRows = Query(Rows("engine")).Select(r => (string)r["r"]!).ToList();
        var duckRows = Query(Rows("duck")).Select(r => (string)r["r"]!).ToList();
        Assert.NotEmpty(engineRows);
        Assert.Equal(engineRows, duckRows);
        Assert.Equal(Query(Rejects("engine_rejects")).Select(r => r["r"]), Query(Rejects("duck_rejects")).Select(r => r["r"]));
        // The same columns and types, fx_rate DECIMAL(38,18), and txn_date only from the folder names.
        Assert.Equal(Query(Schema("engine")).Select(r => r["r"]), Query(Schema("duck")).Select(r => r["r"]));
        Assert.Equal(Query(Schema("engine_rejects")).Select(r => r["r"]), Query(Schema("duck_rejects")).Select(r => r["r"]));
        Assert.Contains("fx_rate DECIMAL(38,18)", Query(Schema("engine")).Select(r => (string)r["r"]!));
        foreach (var folder in new[] { "engine", "duck", "engine_rejects", "duck_rejects" })
            foreach (var file in Directory.GetFiles(Sub(folder), "*.parquet", SearchOption.AllDirectories))
                Assert.DoesNotContain("txn_date", Query($"SELECT name FROM parquet_schema({SqlRenderer.Literal(SqlDialect.DuckDb, file)})").Select(r => (string)r["name"]!));

        Assert.Equal(engine.Stats.RowsOut, duck.Stats.RowsOut);
        Assert.Equal(engine.Stats.StaleRows, duck.Stats.StaleRows);
        Assert.Equal(engine.Stats.RejectedByReason, duck.Stats.RejectedByReason);
        Assert.Equal(engine.Stats.Currencies.ToDictionary(c => c.Key, c => (c.Value.Rows, c.Value.Amount, c.Value.AmountTarget)),
                     duck.Stats.Currencies.ToDictionary(c => c.Key, c => (c.Value.Rows, c.Value.Amount, c.Value.AmountTarget)));
        // The same folder layout: one txn_date=YYYY-MM-DD folder per day in both, for output and
        // rejects, and txn_date=__HIVE_DEFAULT_PARTITION__ for undated rejects.
        foreach (var (ours, theirs) in new[] { ("engine", "duck"), ("engine_rejects", "duck_rejects") })
            Assert.Equal(Directory.GetDirectories(Sub(ours)).Select(Path.GetFileName).Order(),
                         Directory.GetDirectories(Sub(theirs)).Select(Path.GetFileName).Order());
        Assert.True(File.Exists(Sub("duck/_SUCCESS")));
    }
}
