using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using FxEngine.Jobs;

namespace FxEngine.Benchmarks;

/// <summary>
/// The normalizer run several times in one process (the <c>repeat</c> verb): the first run is
/// what a fresh process pays (JIT, empty pools, a GC still sizing its budgets), the later ones what
/// it pays warm. Counters are the process's totals so far.
/// </summary>
internal static class RepeatedRuns
{
    public static async Task RunAsync(string rates, string input, string output, int times)
    {
        var budget = long.Parse(Environment.GetEnvironmentVariable("FXENGINE_BUDGET_MIB") ?? "512", CultureInfo.InvariantCulture) << 20;
        for (var run = 1; run <= times; run++)
        {
            var watch = Stopwatch.StartNew();
            await NormalizeJob.RunAsync(new NormalizeOptions
            {
                Rates = rates, Input = input, Output = output, Workers = Environment.ProcessorCount, Full = true, MemoryBudget = budget,
            });
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"run {run}: {watch.Elapsed.TotalSeconds:F2} s, gen0/1/2 {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)}, " +
                $"pause {GC.GetTotalPauseDuration().TotalSeconds:F2} s, jit {JitInfo.GetCompilationTime().TotalSeconds:F2} s for {JitInfo.GetCompiledMethodCount()} methods"));
        }
    }
}
