using FxEngine.Jobs;
using FxEngine.Sources.Transactions;
using static FxEngine.Tests.TestData;

namespace FxEngine.Tests;

/// <summary>
/// kill -9 during an incremental run (a new day and a late snapshot to fold in), at several
/// points up to and into its commit: the next run leaves the table equal to a full recompute,
/// with no duplicates and nothing of the killed run left behind.
/// </summary>
[Trait("Category", "Cli")]
public class IncrementalKillScenarioTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(400)]
    [InlineData(900)]
    public async Task Normalize_KilledDuringIncrementalRun_RerunEqualsFullRecompute(int afterMs)
    {
        using var dir = new TempDir();
        var first = D("2024-06-01");
        await TransactionGenerator.WriteAsync(new GenerateOptions { Rows = 300_000, Output = dir.Sub("raw/base"), From = first, To = first.AddDays(9), RowGroupRows = 50_000 });
        WriteSyntheticRates(dir.Sub("rates"), first, first.AddDays(9), skip: day => day == first.AddDays(7));
        string[] args = ["normalize", "--rates", "rates", "--input", "raw", "--output", "out", "--rejects", "rejects", "--max-stale-days", "1", "--workers", "2"];
        Assert.Equal(0, (await Cli.RunAsync(dir.Path, args)).ExitCode);

        // A new day's file and the late snapshot of day 8: two partitions to replace.
        await TransactionGenerator.WriteAsync(new GenerateOptions { Rows = 100_000, Output = dir.Sub("raw/new"), From = first.AddDays(10), To = first.AddDays(10), Seed = 9 });
        WriteSyntheticRates(dir.Sub("rates"), first.AddDays(7), first.AddDays(10), skip: day => day == first.AddDays(8) || day == first.AddDays(9));
        using (var run = Cli.Start(dir.Path, new Dictionary<string, string?>(), args))
        {
            while (!File.Exists(dir.Sub("out/_fxengine/lock.json")) && !run.HasExited)
                await Task.Delay(5);
            await Task.Delay(afterMs);
            run.Kill();
            await run.WaitForExitAsync();
        }

        var rerun = await Cli.RunAsync(dir.Path, args);

        Assert.True(rerun.ExitCode == 0, rerun.Stderr);
        var options = new NormalizeOptions { Rates = dir.Sub("rates"), Input = dir.Sub("raw"), Output = dir.Sub("out"), Rejects = dir.Sub("rejects"), MaxStaleDays = 1, Workers = 2 };
        Assert.Equal(await TableTest.FullRecomputeAsync(options, dir), TableTest.Rows(options.Output, options.RejectsLocation));
        Assert.False(File.Exists(dir.Sub("out/_fxengine/commit.json")));
        Assert.Empty(Directory.GetDirectories(dir.Path, "_temporary", SearchOption.AllDirectories));
        Assert.Empty(Directory.GetFiles(dir.Path, "*.fxtmp", SearchOption.AllDirectories));
        Assert.All(Directory.GetDirectories(dir.Sub("out"), "txn_date=*"), d => Assert.Single(Directory.GetFiles(d)));
    }
}
