using System.Diagnostics;
using System.Text;
using FxEngine.Jobs;
using FxEngine.Sinks;
using FxEngine.Sources.Rates;
using FxEngine.Storage;
using static FxEngine.Tests.TestData;

namespace FxEngine.Tests;

/// <summary>
/// A run that spilled rows and then fails or is cancelled leaves no spill file behind (the
/// successful case is in <see cref="NormalizeSpillScenarioTests"/>), and a killed run's file is
/// swept by the next run, even one with nothing to recompute.
/// </summary>
public class SpillCleanupScenarioTests
{
    private const int Rows = 200_000;

    [Fact]
    public async Task Normalize_FailsAfterSpilling_SpillFileRemoved()
    {
        using var dir = new TempDir();
        await LakeAsync(dir);
        var spilling = new SpillWatch(dir.Sub("spill"), fail: true);

        var error = await Assert.ThrowsAnyAsync<Exception>(() => NormalizeJob.RunAsync(Options(dir), spilling));

        Assert.Contains(SpillWatch.Failure, error.ToString());
        Assert.True(spilling.Seen, "the run must have spilled before it failed");
        Assert.Empty(Directory.GetFiles(dir.Sub("spill")));
    }

    [Fact]
    public async Task Normalize_CancelledAfterSpilling_SpillFileRemoved()
    {
        using var dir = new TempDir();
        await LakeAsync(dir);
        using var cancel = new CancellationTokenSource();
        var spilling = new SpillWatch(dir.Sub("spill"), cancel: cancel);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => NormalizeJob.RunAsync(Options(dir), spilling, cancel.Token));

        Assert.True(spilling.Seen);
        Assert.Empty(Directory.GetFiles(dir.Sub("spill")));
    }

    [Fact]
    public async Task Normalize_KilledRunLeftASpillFile_NextRunSweepsItEvenWithNothingToRecompute()
    {
        using var dir = new TempDir();
        await LakeAsync(dir);
        await NormalizeJob.RunAsync(Options(dir));
        // What a kill -9 leaves: a spill file named after its process, which no longer runs.
        using var exited = Process.Start("true")!;
        await exited.WaitForExitAsync();
        var host = Path.GetFileName(LocalSpool.NewPath(SpillFile.Kind)).Split('-')[3];
        var dead = Path.Combine(dir.Sub("spill"), $"fxengine-{SpillFile.Kind}-{exited.Id}-{host}-{Guid.NewGuid():N}.tmp");
        await File.WriteAllTextAsync(dead, "rows of a killed run");

        var rerun = await NormalizeJob.RunAsync(Options(dir));

        Assert.Equal("up_to_date", rerun.Changes.Mode);
        Assert.False(File.Exists(dead), "the killed run's spill file must be swept");
    }

    /// <summary>One worker, so batches arrive in file order; a 1 MiB budget spills from the first batch on.</summary>
    private static NormalizeOptions Options(TempDir dir) => new()
    {
        Rates = dir.Sub("lake/exchange_rates"), Input = dir.Sub("raw"), Output = dir.Sub("out"), Workers = 1,
        MemoryBudget = 1L << 20, SpillDirectory = dir.Sub("spill"),
    };

    /// <summary>A CSV of <see cref="Rows"/> rows over five days: several 64k-line batches.</summary>
    private static async Task LakeAsync(TempDir dir)
    {
        Directory.CreateDirectory(dir.Sub("raw"));
        Directory.CreateDirectory(dir.Sub("spill"));
        var csv = new StringBuilder("txn_id,txn_date,currency,amount\n");
        string[] codes = ["SGD", "USD", "EUR", "JPY"];
        for (var i = 0; i < Rows; i++)
            csv.Append($"t{i:D7},2024-01-0{1 + i % 5},{codes[i % codes.Length]},{i % 1000}.25\n");
        await File.WriteAllTextAsync(dir.Sub("raw/transactions.csv"), csv.ToString());
        var sink = new LakeRatesWriter(ObjectStore.Open(dir.Sub("lake")));
        for (var day = D("2024-01-01"); day <= D("2024-01-05"); day = day.AddDays(1))
            await sink.WriteAsync(await new SyntheticRatesSource().FetchAsync(day, default), "synthetic", default);
    }

    /// <summary>
    /// Notes, at each progress report (after a batch is normalized), whether a spill file exists;
    /// once one does, it can fail the run (as any stage error would) or cancel it.
    /// </summary>
    private sealed class SpillWatch(string folder, bool fail = false, CancellationTokenSource? cancel = null) : IProgress<NormalizeProgress>
    {
        public const string Failure = "injected failure after spilling";

        public bool Seen { get; private set; }

        public void Report(NormalizeProgress value)
        {
            if (Directory.GetFiles(folder).Length == 0)
                return;
            Seen = true;
            cancel?.Cancel();
            if (fail)
                throw new InvalidOperationException(Failure);
        }
    }
}
