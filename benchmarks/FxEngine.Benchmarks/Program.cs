using System.Globalization;
using BenchmarkDotNet.Running;
using FxEngine.Benchmarks;
using FxEngine.Sources.Rates;

// Helper verbs for benchmarks/peak-rss.sh (its DuckDB side runs in a process of its own, as the
// CLI does), the stream harness (latency needs a running stream and a steady producer, not
// repeated invocations) and repeated runs in one process (cold against warm); anything else goes
// to BenchmarkDotNet.
switch (args)
{
    case ["stream", ..]:
        return await StreamHarness.RunAsync(args);
    case ["duckdb", var rates, var input, var output]:
        Console.WriteLine(DuckDbBaseline.Run(rates, input, output));
        return 0;
    case ["rates", var folder, var from, var to]:
        Directory.CreateDirectory(folder);
        for (var day = DateOnly.Parse(from, CultureInfo.InvariantCulture); day <= DateOnly.Parse(to, CultureInfo.InvariantCulture); day = day.AddDays(1))
            File.WriteAllBytes(Path.Combine(folder, $"{day:yyyy-MM-dd}.json"), SyntheticRatesSource.Render(day));
        return 0;
    case ["rowgroups", var folder]:
        Console.WriteLine(await RowGroupReport.DescribeAsync(folder));
        return 0;
    case ["repeat", var rates, var input, var output, var times]:
        await RepeatedRuns.RunAsync(rates, input, output, int.Parse(times, CultureInfo.InvariantCulture));
        return 0;
    case ["compare", var first, var second]:
        Console.WriteLine(OutputComparison.Describe(first, second));
        return 0;
    default:
        BenchmarkSwitcher.FromAssembly(typeof(NormalizeBenchmark).Assembly).Run(args);
        return 0;
}
