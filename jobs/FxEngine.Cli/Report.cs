using System.Globalization;
using FxEngine.Jobs;
using FxEngine.Transforms;

namespace FxEngine.Cli;

/// <summary>Prints a run's summary table to standard output.</summary>
internal static class Report
{
    /// <param name="run">The whole run's steps and time, when the normalization was one step of <c>run</c>.</param>
    public static void Print(NormalizeResult result, string output, string rejects, RunResult? run = null)
    {
        var stats = result.Stats;
        var seconds = Math.Max(result.Elapsed.TotalSeconds, 1e-3);
        var culture = CultureInfo.InvariantCulture;
        var amountTarget = $"amount_{result.Target.ToLowerInvariant()}";
        Console.WriteLine();
        var changes = result.Changes;
        if (changes.Mode == "up_to_date")
        {
            Console.WriteLine(string.Create(culture, $"up to date: nothing changed since run {result.RunId} ({changes.Unchanged:N0} partitions); nothing was recomputed or written"));
            Console.WriteLine($"  output   {output}");
            return;
        }
        Console.WriteLine(string.Create(culture, $"run {result.RunId}"));
        if (changes.Mode == "incremental")
            Console.WriteLine(string.Create(culture,
                $"  partitions     {changes.Recomputed.Count,14:N0} recomputed, {changes.Unchanged:N0} unchanged; {changes.StaleToExact:N0} rows stale -> exact, {changes.RejectedToConverted:N0} rejected -> converted"));
        foreach (var (partition, reason) in changes.Recomputed.Take(changes.Mode == "incremental" ? 10 : 0))
            Console.WriteLine($"    {partition,-28}{reason}");
        Console.WriteLine(string.Create(culture, $"  rows in        {stats.RowsIn,14:N0}"));
        Console.WriteLine(string.Create(culture, $"  rows out       {stats.RowsOut,14:N0}   ({stats.StaleRows:N0} with a stale rate)"));
        Console.WriteLine(string.Create(culture, $"  rows rejected  {stats.RowsRejected,14:N0}   ({stats.RejectedPercent():0.00}%)"));
        foreach (var reason in RejectReason.All)
            if (stats.RejectedByReason.GetValueOrDefault(reason) is var count and > 0)
                Console.WriteLine(string.Create(culture, $"    {reason,-18}{count,10:N0}   ({stats.RejectedPercent(reason):0.00}%)"));
        Console.WriteLine(string.Create(culture, $"  {"total " + result.Target,-15}{stats.AmountTarget,14:N2}   (all converted rows)"));
        if (stats.FirstRateDate is { } first && stats.LastRateDate is { } last)
            Console.WriteLine(string.Create(culture, $"  rate dates     {first:yyyy-MM-dd} to {last:yyyy-MM-dd}"));
        Console.WriteLine(string.Create(culture, $"  files written  {result.OutputFiles,14:N0}"));
        if (result.SpilledBytes > 0)
            Console.WriteLine(string.Create(culture, $"  spilled        {result.SpilledBytes / 1048576.0,11:N1} MiB  (rows beyond --memory-budget waited on local disk)"));
        Console.WriteLine(string.Create(culture, $"  normalize      {result.Elapsed.TotalSeconds,14:N2} s   ({stats.RowsIn / seconds:N0} rows/s)"));
        if (run is not null)
            Console.WriteLine(string.Create(culture,
                $"  whole run      {run.Elapsed.TotalSeconds,14:N2} s   (sample {run.GenerateTime.TotalSeconds:N2} s, rates {run.RatesTime.TotalSeconds:N2} s, normalize {result.Elapsed.TotalSeconds:N2} s)"));
        Console.WriteLine();
        Console.WriteLine(string.Create(culture, $"  {"currency",-8} {"rows",12} {"amount",22} {amountTarget,22}"));
        foreach (var (code, totals) in stats.Currencies)
            Console.WriteLine(string.Create(culture, $"  {code,-8} {totals.Rows,12:N0} {totals.Amount,22:N2} {totals.AmountTarget,22:N2}"));
        Console.WriteLine(string.Create(culture, $"  {"total",-8} {stats.RowsOut,12:N0} {"",22} {stats.AmountTarget,22:N2}"));
        Console.WriteLine();
        Console.WriteLine($"  output   {output}");
        Console.WriteLine($"  rejects  {rejects}");
    }
}
