using FxEngine.Jobs;
using FxEngine.Sources.Transactions;
using static FxEngine.Tests.TestData;

namespace FxEngine.Tests;

/// <summary>
/// What a commit killed between removing a partition's old file and moving in its new one
/// leaves (its intent, a partition with no file, no marker): the next run recomputes exactly the
/// partitions the intent names, rather than trusting the old state and finishing the commit.
/// </summary>
public class InterruptedCommitScenarioTests
{
    [Fact]
    public async Task Normalize_AfterCommitKilledMidPartition_RecomputesTheNamedPartitions()
    {
        using var dir = new TempDir();
        await TransactionGenerator.WriteAsync(new GenerateOptions { Rows = 10_000, Output = dir.Sub("raw"), From = D("2024-04-01"), To = D("2024-04-04") });
        WriteSyntheticRates(dir.Sub("rates"), D("2024-04-01"), D("2024-04-04"));
        var options = new NormalizeOptions { Rates = dir.Sub("rates"), Input = dir.Sub("raw"), Output = dir.Sub("out"), Rejects = dir.Sub("rejects"), Workers = 2 };
        await NormalizeJob.RunAsync(options);
        var complete = TableTest.Rows(options.Output, options.RejectsLocation);

        File.WriteAllText(dir.Sub("out/_fxengine/commit.json"), """{"run_id":"killed-run","partitions":["2024-04-02"]}""");
        foreach (var file in Directory.GetFiles(dir.Sub("out/txn_date=2024-04-02")))
            File.Delete(file);
        File.Delete(dir.Sub("out/_SUCCESS"));

        var rerun = await NormalizeJob.RunAsync(options);

        Assert.Equal("incremental", rerun.Changes.Mode);
        Assert.Equal("run killed-run was stopped while replacing it", Assert.Single(rerun.Changes.Recomputed).Value);
        Assert.Equal(complete, TableTest.Rows(options.Output, options.RejectsLocation));
        Assert.False(File.Exists(dir.Sub("out/_fxengine/commit.json")));
        Assert.Equal(rerun.RunId, File.ReadAllText(dir.Sub("out/_SUCCESS")).Trim());
    }
}
