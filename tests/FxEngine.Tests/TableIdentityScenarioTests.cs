using FxEngine.Jobs;
using static FxEngine.Tests.TestData;

namespace FxEngine.Tests;

/// <summary>One table per location: a run refuses to write into another table's output or rejects, whose files it would delete.</summary>
public class TableIdentityScenarioTests
{
    [Fact]
    public async Task Normalize_TwoOutputsGivenOneRejectsLocation_TheSecondRefusedAndTheFirstKeepsItsRejects()
    {
        using var dir = new TempDir();
        WriteSnapshot(dir.Sub("rates"), D("2024-05-01"), ("SGD", "1.35"), ("EUR", "0.9"));
        Directory.CreateDirectory(dir.Sub("in"));
        File.WriteAllText(dir.Sub("in/t.csv"), "txn_id,txn_date,currency,amount\n1,2024-05-01,EUR,9\n2,2024-05-01,XYZ,1\n");
        NormalizeOptions Table(string output, string rejects, string target = "SGD") =>
            new() { Rates = dir.Sub("rates"), Input = dir.Sub("in"), Output = dir.Sub(output), Rejects = dir.Sub(rejects), Target = target };
        await NormalizeJob.RunAsync(Table("sgd", "rejects"));
        var rejects = Directory.GetFiles(dir.Sub("rejects"), "*.parquet", SearchOption.AllDirectories);
        Assert.Single(rejects);

        var shared = await Assert.ThrowsAsync<FxException>(() => NormalizeJob.RunAsync(Table("eur", "rejects", "EUR")));
        Assert.StartsWith($"{dir.Sub("rejects/_fxengine/table.json")}: this location holds the rejects of another table", shared.Message);
        var intoOutput = await Assert.ThrowsAsync<FxException>(() => NormalizeJob.RunAsync(Table("eur", "sgd", "EUR")));
        Assert.StartsWith($"{dir.Sub("sgd/_fxengine/table.json")}: this location holds the output of another table", intoOutput.Message);
        var outputIntoRejects = await Assert.ThrowsAsync<FxException>(() => NormalizeJob.RunAsync(Table("rejects", "eur_rejects", "EUR")));
        Assert.StartsWith($"{dir.Sub("rejects/_fxengine/table.json")}: this location holds the rejects of another table", outputIntoRejects.Message);

        Assert.Equal(rejects, Directory.GetFiles(dir.Sub("rejects"), "*.parquet", SearchOption.AllDirectories));
        Assert.Equal(2, (await NormalizeJob.RunAsync(Table("sgd", "rejects") with { Full = true })).Stats.RowsIn);

        // A table moved whole is the same table (recomputed, as its rejects location is a setting).
        Directory.Move(dir.Sub("sgd"), dir.Sub("moved"));
        Directory.Move(dir.Sub("rejects"), dir.Sub("moved_rejects"));
        Assert.Equal(1, (await NormalizeJob.RunAsync(Table("moved", "moved_rejects"))).Stats.RowsRejected);
    }
}
