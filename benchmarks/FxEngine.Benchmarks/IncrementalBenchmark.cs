using BenchmarkDotNet.Attributes;
using FxEngine.Jobs;
using FxEngine.Sources.Rates;
using FxEngine.Sources.Transactions;

namespace FxEngine.Benchmarks;

/// <summary>
/// What a scheduled rerun costs against a full recompute of the same 90-day table: with
/// nothing new, and with one new day of transactions (a file of its own, as a daily drop is).
/// Every iteration starts from the same committed table.
/// </summary>
[Config(typeof(CliRuntime))]
public class IncrementalBenchmark
{
    private static readonly DateOnly First = new(2024, 1, 1);
    private static readonly DateOnly Last = new(2024, 3, 30);
    private string _root = "";

    [Params(1_000_000)]
    public int Rows { get; set; }

    private string Input => Path.Combine(_root, "raw");
    private string NewDay => Path.Combine(Input, "day=2024-03-31", "transactions-00000.parquet");
    private string NewDaySource => Path.Combine(_root, "new-day", "transactions-00000.parquet");
    private string Table => Path.Combine(_root, "table");
    private string Committed => Path.Combine(_root, "committed");

    private NormalizeOptions Options(bool full) => new()
    {
        Rates = Path.Combine(_root, "exchange_rates"), Input = Input, Output = Path.Combine(Table, "out"), Rejects = Path.Combine(Table, "rejects"),
        Workers = Environment.ProcessorCount, Full = full,
    };

    [GlobalSetup]
    public void Setup()
    {
        _root = Path.Combine(Path.GetTempPath(), "fxengine-bench-incremental", Rows.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (Directory.Exists(_root))
            Directory.Delete(_root, recursive: true);
        TransactionGenerator.WriteAsync(new GenerateOptions { Rows = Rows, Output = Input, From = First, To = Last, Seed = 1 }).GetAwaiter().GetResult();
        TransactionGenerator.WriteAsync(new GenerateOptions
        {
            Rows = Rows / 90, Output = Path.GetDirectoryName(NewDaySource)!, From = Last.AddDays(1), To = Last.AddDays(1), Seed = 2,
        }).GetAwaiter().GetResult();
        var rates = Path.Combine(_root, "exchange_rates");
        Directory.CreateDirectory(rates);
        for (var day = First; day <= Last.AddDays(1); day = day.AddDays(1))
            File.WriteAllBytes(Path.Combine(rates, $"{day:yyyy-MM-dd}.json"), SyntheticRatesSource.Render(day));
        NormalizeJob.RunAsync(Options(full: true)).GetAwaiter().GetResult();
        Copy(Table, Committed);
    }

    /// <summary>Back to the committed 90-day table, without the new day's file.</summary>
    [IterationSetup]
    public void Restore()
    {
        if (File.Exists(NewDay))
            Directory.Delete(Path.GetDirectoryName(NewDay)!, recursive: true);
        Directory.Delete(Table, recursive: true);
        Copy(Committed, Table);
    }

    [Benchmark(Baseline = true)]
    public long Full() => NormalizeJob.RunAsync(Options(full: true)).GetAwaiter().GetResult().Stats.RowsIn;

    [Benchmark]
    public long NoChange() => NormalizeJob.RunAsync(Options(full: false)).GetAwaiter().GetResult().Stats.RowsIn;

    [Benchmark]
    public long OneNewDay()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(NewDay)!);
        File.Copy(NewDaySource, NewDay);
        return NormalizeJob.RunAsync(Options(full: false)).GetAwaiter().GetResult().Stats.RowsIn;
    }

    private static void Copy(string from, string to)
    {
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
