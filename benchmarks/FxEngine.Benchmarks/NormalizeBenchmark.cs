using BenchmarkDotNet.Attributes;
using DuckDB.NET.Data;
using FxEngine.Jobs;
using FxEngine.Sources.Rates;
using FxEngine.Sources.Transactions;

namespace FxEngine.Benchmarks;

/// <summary>
/// The normalizer against DuckDB doing the same job on the same generated Parquet: join each
/// transaction with its day's rates by date and currency, compute the SGD amount, write
/// Snappy Parquet partitioned by date. Both use every core of the machine.
/// </summary>
[Config(typeof(CliRuntime))]
public class NormalizeBenchmark
{
    private string _root = "";

    [Params(1_000_000)]
    public int Rows { get; set; }

    private string Input => Path.Combine(_root, "raw");
    private string Rates => Path.Combine(_root, "exchange_rates");

    [GlobalSetup]
    public void Setup()
    {
        _root = Path.Combine(Path.GetTempPath(), "fxengine-bench", Rows.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (!File.Exists(Path.Combine(Input, "transactions-00000.parquet")))
        {
            TransactionGenerator.WriteAsync(new GenerateOptions
            {
                Rows = Rows, Output = Input, From = new DateOnly(2024, 1, 1), To = new DateOnly(2024, 3, 31), Seed = 1,
            }).GetAwaiter().GetResult();
        }
        Directory.CreateDirectory(Rates);
        for (var day = new DateOnly(2024, 1, 1); day <= new DateOnly(2024, 3, 31); day = day.AddDays(1))
            File.WriteAllBytes(Path.Combine(Rates, $"{day:yyyy-MM-dd}.json"), SyntheticRatesSource.Render(day));
    }

    [Benchmark]
    public long FxEngine()
    {
        var result = NormalizeJob.RunAsync(new NormalizeOptions
        {
            Rates = Rates, Input = Input, Output = Path.Combine(_root, "out-fxengine"), Workers = Environment.ProcessorCount,
            Full = true, // every iteration recomputes everything, as DuckDB does (an incremental rerun would find nothing to do)
        }).GetAwaiter().GetResult();
        return result.Stats.RowsOut;
    }

    /// <summary>
    /// DuckDB reads the same rate files (as a MAP of decimals), joins twice (source and target
    /// currency rates of the day) and writes partitioned Parquet. Exact day only: DuckDB here
    /// does no as-of fill, which only makes its job lighter.
    /// </summary>
    [Benchmark(Baseline = true)]
    public long DuckDb()
    {
        var output = Path.Combine(_root, "out-duckdb");
        if (Directory.Exists(output))
            Directory.Delete(output, recursive: true);
        using var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $$"""
            CREATE TEMP TABLE rates AS
              SELECT CAST(regexp_extract(filename, '([0-9-]+)\.json', 1) AS DATE) AS rate_date,
                     unnest(map_keys(rates)) AS currency, unnest(map_values(rates)) AS rate
              FROM read_json('{{Rates}}/*.json', columns = {rates: 'MAP(VARCHAR, DECIMAL(18,6))'}, filename = true);
            COPY (
              SELECT t.*, round(t.amount * s.rate / c.rate, 2) AS amount_sgd, s.rate / c.rate AS fx_rate,
                     c.rate_date AS fx_rate_date, 'exact' AS fx_status
              FROM read_parquet('{{Input}}/*.parquet') t
              JOIN rates c ON c.rate_date = t.txn_date AND c.currency = upper(trim(t.currency))
              JOIN rates s ON s.rate_date = t.txn_date AND s.currency = 'SGD'
            ) TO '{{output}}' (FORMAT parquet, PARTITION_BY (txn_date), COMPRESSION snappy);
            """;
        return command.ExecuteNonQuery();
    }
}
