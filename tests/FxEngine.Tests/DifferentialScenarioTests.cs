using FxEngine.Data;
using FxEngine.Jobs;
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

        await AssertAgreeAsync(dir, "SGD");
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
            new Column.OptionalColumn<DateOnly>(new Parquet.Schema.DataField<DateOnly>("txn_date", nullable: true), rows.Select(r => r.Date).ToArray()),
            Strings("currency", rows.Select(r => r.Currency).ToArray()),
            Amounts("amount", rows.Select(r => r.Amount).ToArray()),
        ]);

        await AssertAgreeAsync(dir, target);
    }

    private static async Task AssertAgreeAsync(TempDir dir, string target)
    {
        var engine = await NormalizeJob.RunAsync(new NormalizeOptions { Rates = dir.Sub("rates"), Input = dir.Sub("raw"), Output = dir.Sub("engine"), Target = target });
        var duck = await DuckDbNormalizeJob.RunAsync(new NormalizeOptions { Rates = dir.Sub("rates"), Input = dir.Sub("raw"), Output = dir.Sub("duck"), Target = target });

        var amount = $"amount_{target.ToLowerInvariant()}";
        string Rows(string folder) => $"SELECT txn_id || '|' || CAST({amount} AS VARCHAR) || '|' || CAST(fx_rate AS VARCHAR) || '|' || CAST(fx_rate_date AS VARCHAR) || '|' || fx_status || '|' || CAST(txn_date AS VARCHAR) AS r FROM read_parquet('{Glob(dir.Sub(folder))}', hive_partitioning = false) ORDER BY 1";
        string Rejects(string folder) => $"SELECT txn_id || '|' || reject_reason AS r FROM read_parquet('{Glob(dir.Sub(folder))}') ORDER BY 1";
        var engineRows = Query(Rows("engine")).Select(r => (string)r["r"]!).ToList();
        var duckRows = Query(Rows("duck")).Select(r => (string)r["r"]!).ToList();
        Assert.NotEmpty(engineRows);
        Assert.Equal(engineRows, duckRows);
        Assert.Equal(Query(Rejects("engine_rejects")).Select(r => r["r"]), Query(Rejects("duck_rejects")).Select(r => r["r"]));

        Assert.Equal(engine.Stats.RowsOut, duck.Stats.RowsOut);
        Assert.Equal(engine.Stats.StaleRows, duck.Stats.StaleRows);
        Assert.Equal(engine.Stats.RejectedByReason, duck.Stats.RejectedByReason);
        Assert.Equal(engine.Stats.Currencies.ToDictionary(c => c.Key, c => (c.Value.Rows, c.Value.Amount, c.Value.AmountTarget)),
                     duck.Stats.Currencies.ToDictionary(c => c.Key, c => (c.Value.Rows, c.Value.Amount, c.Value.AmountTarget)));
        // The same folder layout: one txn_date=YYYY-MM-DD folder per day in both.
        Assert.Equal(Directory.GetDirectories(dir.Sub("engine")).Select(Path.GetFileName).Order(),
                     Directory.GetDirectories(dir.Sub("duck")).Select(Path.GetFileName).Order());
        Assert.True(File.Exists(dir.Sub("duck/_SUCCESS")));
    }
}
