using FxEngine.Jobs;
using FxEngine.Sources.Transactions;
using FxEngine.Storage;
using FxEngine.Table;
using static FxEngine.Tests.TestData;

namespace FxEngine.Tests;

/// <summary>The daily job's transaction range: known files from the table state, only new ones read.</summary>
public class InputRangeTests
{
    [Fact]
    public async Task OfAsync_KnownFileAndNewFile_ReadsOnlyTheNewOne()
    {
        using var dir = new TempDir();
        await TransactionGenerator.WriteAsync(new GenerateOptions { Rows = 5_000, Output = dir.Sub("raw/a"), From = D("2024-02-01"), To = D("2024-02-05") });
        WriteSyntheticRates(dir.Sub("rates"), D("2024-02-01"), D("2024-02-05"));
        await NormalizeJob.RunAsync(new NormalizeOptions { Rates = dir.Sub("rates"), Input = dir.Sub("raw"), Output = dir.Sub("out"), Workers = 2 });
        await TransactionGenerator.WriteAsync(new GenerateOptions { Rows = 1_000, Output = dir.Sub("raw/b"), From = D("2024-02-06"), To = D("2024-02-08"), Seed = 3 });
        // The known file's bytes become unreadable but keep their size and time: only the state can say what it holds.
        var known = Directory.GetFiles(dir.Sub("raw/a")).Single();
        var written = File.GetLastWriteTimeUtc(known);
        File.WriteAllBytes(known, new byte[new FileInfo(known).Length]);
        File.SetLastWriteTimeUtc(known, written);

        var range = await InputRange.OfAsync(ObjectStore.Open(dir.Sub("raw")), ObjectStore.Open(dir.Sub("out")), "txn_date", ',', default);

        Assert.Equal((D("2024-02-01"), D("2024-02-08")), range);
    }
}
