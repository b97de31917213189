using BenchmarkDotNet.Attributes;
using FxEngine.Jobs;
using FxEngine.Sources.Rates;
using FxEngine.Sources.Transactions;

namespace FxEngine.Benchmarks;

/// <summary>
/// The normalizer against DuckDB doing the same job on the same generated Parquet (90 days),
/// both writing Snappy Parquet partitioned by date: DuckDB in its strongest formulation
/// (<see cref="DuckDbBaseline"/>). Both use every core of the machine. Rows come from
/// FXENGINE_BENCH_ROWS (default 1,000,000), so one run can be 10M with fewer iterations.
/// </summary>
[Config(typeof(CliRuntime))]
public class NormalizeBenchmark
{
    private string _root = "";

    public static IEnumerable<int> RowCounts =>
        [int.Parse(Environment.GetEnvironmentVariable("FXENGINE_BENCH_ROWS") ?? "1000000", System.Globalization.CultureInfo.InvariantCulture)];

    [ParamsSource(nameof(RowCounts))]
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
                Rows = Rows, Output = Input, From = new DateOnly(2024, 1, 1), To = new DateOnly(2024, 3, 30), Seed = 1,
            }).GetAwaiter().GetResult();
        }
        Directory.CreateDirectory(Rates);
        for (var day = new DateOnly(2024, 1, 1); day <= new DateOnly(2024, 3, 30); day = day.AddDays(1))
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

    [Benchmark(Baseline = true)]
    public long DuckDb() => DuckDbBaseline.Run(Rates, Input, Path.Combine(_root, "out-duckdb"));
}
