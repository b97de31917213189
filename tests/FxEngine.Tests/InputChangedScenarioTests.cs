using FxEngine.Jobs;
using FxEngine.Sources.Transactions;
using static FxEngine.Tests.TestData;

namespace FxEngine.Tests;

/// <summary>
/// An input file rewritten or deleted while a run reads it: the run may have read it part old,
/// part new, so it commits nothing and says which file; the next run reads the file as it is now.
/// </summary>
public class InputChangedScenarioTests
{
    private const int RowsPerFile = 20_000;

    [Theory]
    [InlineData("rewritten")]
    [InlineData("deleted")]
    public async Task Normalize_InputChangedWhileRead_NothingCommitted_NextRunReadsItAsItIsNow(string change)
    {
        using var dir = new TempDir();
        foreach (var (name, seed) in new[] { ("a", 1), ("b", 2) })
        {
            await TransactionGenerator.WriteAsync(new GenerateOptions { Rows = RowsPerFile, Output = dir.Sub(name), From = D("2024-03-01"), To = D("2024-03-05"), Seed = seed, RowGroupRows = 5_000 });
            Directory.CreateDirectory(dir.Sub("raw"));
            File.Move(Directory.GetFiles(dir.Sub(name)).Single(), dir.Sub($"raw/{name}.parquet"));
        }
        WriteSyntheticRates(dir.Sub("rates"), D("2024-03-01"), D("2024-03-05"));
        var options = new NormalizeOptions { Rates = dir.Sub("rates"), Input = dir.Sub("raw"), Output = dir.Sub("out"), Workers = 1 };
        var first = dir.Sub("raw/a.parquet");
        // One worker reads a.parquet's row groups first. Rewritten: touched after its first row
        // group, as a rewrite with the same bytes; deleted: once all of it is read.
        var changing = new OnReport(done =>
        {
            if (change == "rewritten" && done == 5_000)
                File.SetLastWriteTimeUtc(first, DateTime.UtcNow.AddMinutes(1));
            if (change == "deleted" && done == RowsPerFile)
                File.Delete(first);
        });

        var error = await Assert.ThrowsAsync<FxException>(() => NormalizeJob.RunAsync(options, changing));

        Assert.Equal($"{first}: the input file was {change} while this run read it; nothing was committed, run again", error.Message);
        Assert.False(File.Exists(dir.Sub("out/_SUCCESS")));
        Assert.Empty(Directory.GetFiles(dir.Sub("out"), "*.parquet", SearchOption.AllDirectories));
        var rerun = await NormalizeJob.RunAsync(options);
        Assert.Equal(change == "deleted" ? RowsPerFile : 2 * RowsPerFile, rerun.Stats.RowsIn);
    }

    private sealed class OnReport(Action<long> action) : IProgress<NormalizeProgress>
    {
        public void Report(NormalizeProgress value) => action(value.RowsDone);
    }
}
