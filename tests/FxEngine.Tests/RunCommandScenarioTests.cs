using System.Text.Json;
using static FxEngine.Tests.TestData;

namespace FxEngine.Tests;

/// <summary>`fxengine run` with no settings but a small sample: the whole flow, its progress and summary, then a second run that reuses the lake.</summary>
[Trait("Category", "Cli")]
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
        // Redirected stderr gets plain progress lines (each phase's last at least), not \r redraws,
        // and no librdkafka notice from the embedded broker.
        Assert.DoesNotContain('\r', first.Stderr);
        Assert.Contains("  generating 20,000 / 20,000 rows (100%)", first.Stderr);
        Assert.Contains("  fetching rates 31 / 31 days (100%)", first.Stderr);
        Assert.Contains("  normalizing 20,000 / 20,000 rows (100%)", first.Stderr);
        Assert.DoesNotContain("|MOCK|", first.Stderr);
        Assert.Contains("embedded Kafka broker at", first.Stderr);
        // The summary: target total, reject share, rate dates, files, the whole run's time.
        Assert.Matches(@"total SGD\s+[\d,]+\.\d\d", first.Stdout);
        Assert.Matches(@"rows rejected\s+[\d,]+\s+\(\d+\.\d\d%\)", first.Stdout);
        Assert.Contains("rate dates     2024-03-01 to 2024-03-31", first.Stdout);
        Assert.Contains("files written", first.Stdout);
        Assert.Contains("whole run", first.Stdout);
        Assert.Equal(31, Directory.GetFiles(dir.Sub("lake/exchange_rates"), "*.json").Length);

        var summary = JsonDocument.Parse(File.ReadAllText(dir.Sub("lake/processed_data/_summary.json"))).RootElement;
        var rowsOut = summary.GetProperty("rows_out").GetInt64();
        Assert.Equal(20_000, rowsOut + summary.GetProperty("rows_rejected").GetInt64());
        var counted = Query($"SELECT count(*) AS n FROM read_parquet('{Glob(dir.Sub("lake/processed_data"))}')").Single()["n"];
        Assert.Equal(rowsOut, Convert.ToInt64(counted));
        var total = summary.GetProperty("currencies").EnumerateObject().Sum(c => c.Value.GetProperty("amount_sgd").GetDecimal());
        Assert.Equal(total, summary.GetProperty("amount_sgd_total").GetDecimal());
        var rejected = summary.GetProperty("rows_rejected").GetInt64();
        Assert.Equal(Math.Round(100.0 * rejected / 20_000, 4), summary.GetProperty("rejected_percent").GetDouble());
        Assert.Equal("2024-03-01", summary.GetProperty("rate_dates_used").GetProperty("first").GetString());
        Assert.Equal("2024-03-31", summary.GetProperty("rate_dates_used").GetProperty("last").GetString());

        var second = await Cli.RunAsync(dir.Path, "run");
        Assert.True(second.ExitCode == 0, second.Stderr);
        Assert.Contains("rates: nothing to fetch: ", second.Stderr);
        Assert.Contains("(31 already there); nothing published", second.Stderr);
        Assert.DoesNotContain("generating", second.Stderr);
        Assert.DoesNotContain("embedded Kafka broker", second.Stderr); // nothing to publish, so no broker
    }
}
