using System.Text.Json;
using static FxEngine.Tests.TestData;

namespace FxEngine.Tests;

/// <summary>`fxengine run` with no settings but a small sample: the whole flow, then a second run that reuses the lake.</summary>
public class RunCommandScenarioTests
{
    [Fact]
    public async Task Run_EmptyLake_GeneratesFetchesNormalizesAndPrintsSummary()
    {
        using var dir = new TempDir();
        var first = await Cli.RunAsync(dir.Path, "run", "--rows", "20000", "--from", "2024-03-01", "--to", "2024-03-31");
        Assert.True(first.ExitCode == 0, first.Stderr);
        Assert.Contains("rows in", first.Stdout);
        Assert.Contains("rows/s", first.Stdout);
        Assert.Contains("generating 20,000 sample rows", first.Stderr);
        Assert.Equal(31, Directory.GetFiles(dir.Sub("lake/exchange_rates"), "*.json").Length);

        var summary = JsonDocument.Parse(File.ReadAllText(dir.Sub("lake/processed_data/_summary.json"))).RootElement;
        var rowsOut = summary.GetProperty("rows_out").GetInt64();
        Assert.Equal(20_000, rowsOut + summary.GetProperty("rows_rejected").GetInt64());
        var counted = Query($"SELECT count(*) AS n FROM read_parquet('{Glob(dir.Sub("lake/processed_data"))}')").Single()["n"];
        Assert.Equal(rowsOut, Convert.ToInt64(counted));

        var second = await Cli.RunAsync(dir.Path, "run");
        Assert.True(second.ExitCode == 0, second.Stderr);
        Assert.Contains("0 snapshots landed", second.Stderr);
        Assert.Contains("31 already there", second.Stderr);
        Assert.DoesNotContain("generating", second.Stderr);
    }
}
