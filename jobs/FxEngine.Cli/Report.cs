using System.Globalization;
using FxEngine.Jobs;
using FxEngine.Transforms;

namespace FxEngine.Cli;

/// <summary>Prints a run's summary table to standard output.</summary>
internal static class Report
{
    public static void Print(NormalizeResult result, string output, string rejects)
    {
        var stats = result.Stats;
        var seconds = Math.Max(result.Elapsed.TotalSeconds, 1e-3);
        var culture = CultureInfo.InvariantCulture;
        Console.WriteLine();
        Console.WriteLine(string.Create(culture, $"run {result.RunId}"));
        Console.WriteLine(string.Create(culture, $"  rows in        {stats.RowsIn,14:N0}"));
        Console.WriteLine(string.Create(culture, $"  rows out       {stats.RowsOut,14:N0}   ({stats.StaleRows:N0} with a stale rate)"));
        Console.WriteLine(string.Create(culture, $"  rows rejected  {stats.RowsRejected,14:N0}"));
        foreach (var reason in RejectReason.All)
            if (stats.RejectedByReason.GetValueOrDefault(reason) is var count and > 0)
                Console.WriteLine(string.Create(culture, $"    {reason,-18}{count,10:N0}"));
        Console.WriteLine(string.Create(culture, $"  time           {result.Elapsed.TotalSeconds,14:N2} s   ({stats.RowsIn / seconds:N0} rows/s)"));
        Console.WriteLine();
        Console.WriteLine(string.Create(culture, $"  {"currency",-8} {"rows",12} {"amount",22} {"amount_" + result.Target.ToLowerInvariant(),22}"));
        foreach (var (code, totals) in stats.Currencies)
            Console.WriteLine(string.Create(culture, $"  {code,-8} {totals.Rows,12:N0} {totals.Amount,22:N2} {totals.AmountTarget,22:N2}"));
        Console.WriteLine();
        Console.WriteLine($"  output   {output}");
        Console.WriteLine($"  rejects  {rejects}");
    }
}

/// <summary>Shows normalization progress on standard error, at most once a second.</summary>
internal sealed class ProgressPrinter : IProgress<NormalizeProgress>, IDisposable
{
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private long _lastPrinted = -1;
    private bool _printed;

    public void Report(NormalizeProgress value)
    {
        var second = _clock.ElapsedMilliseconds / 1000;
        if (Interlocked.Exchange(ref _lastPrinted, second) == second)
            return;
        _printed = true;
        var share = value.RowsTotal > 0 ? string.Create(CultureInfo.InvariantCulture, $" / {value.RowsTotal:N0} ({100.0 * value.RowsDone / value.RowsTotal:N0}%)") : "";
        Console.Error.Write(string.Create(CultureInfo.InvariantCulture, $"\r  normalized {value.RowsDone:N0}{share} rows   "));
    }

    public void Finish()
    {
        if (_printed)
            Console.Error.WriteLine();
    }

    public void Dispose() => Finish();
}
