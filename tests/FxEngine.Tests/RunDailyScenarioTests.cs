using FxEngine.Sources.Rates;
using static FxEngine.Tests.TestData;

namespace FxEngine.Tests;

/// <summary>
/// `fxengine run` as the daily job on a lake that already has some rates: it fetches the days
/// the lake lacks and the provisional copies of closed days, keeps the final ones, and with
/// --latest also fetches up to today. Runs on the real clock, as the CLI does.
/// </summary>
[Trait("Category", "Cli")]
public class RunDailyScenarioTests
{
    [Fact]
    public async Task Run_LakeWithSomeRates_FetchesMissingAndProvisionalDaysAndWithLatestUpToToday()
    {
        using var dir = new TempDir();
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        DateOnly Day(int offset) => today.AddDays(offset);
        string RatesFile(int offset) => dir.Sub($"lake/exchange_rates/{Day(offset):yyyy-MM-dd}.json");
        DateTime Time(int offset, int hour) => Day(offset).ToDateTime(new TimeOnly(hour, 0), DateTimeKind.Utc);

        var refused = await Cli.RunAsync(dir.Path, "run", "--no-sample");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("no transactions (.parquet or .csv) in", refused.Stderr);
        Assert.False(Directory.Exists(dir.Sub("lake/raw_transactions")) && Directory.EnumerateFiles(dir.Sub("lake/raw_transactions")).Any());

        // Final copies (written after their day ended) of days -6 and -4, and provisional ones of
        // day -5 (written at noon that day, from the provider's latest) and day -1 (the latest of
        // 11:00 too, landed at midnight: a lagging sink). Each body is a marker the synthetic
        // source would not write, to tell a kept copy from a fetched one.
        var kept = new Dictionary<int, string>();
        foreach (var (offset, writtenAt) in new[] { (-6, Time(-5, 1)), (-5, Time(-5, 12)), (-4, Time(-3, 1)), (-1, Time(0, 0)) })
        {
            WriteSnapshot(dir.Sub("lake/exchange_rates"), Day(offset), ("SGD", "1.25"), ("EUR", "0.95"));
            if (offset is -5 or -1) // the provider's latest at noon holds the rates of 11:00
                File.WriteAllText(RatesFile(offset), File.ReadAllText(RatesFile(offset)).Replace(
                    $"\"timestamp\":{new DateTimeOffset(Time(offset, 23)).ToUnixTimeSeconds()}", $"\"timestamp\":{new DateTimeOffset(Time(offset, 11)).ToUnixTimeSeconds()}"));
            File.SetLastWriteTimeUtc(RatesFile(offset), writtenAt);
            kept[offset] = File.ReadAllText(RatesFile(offset));
        }

        var first = await Cli.RunAsync(dir.Path, "run", "--rows", "5000", "--from", $"{Day(-6):yyyy-MM-dd}", "--to", $"{Day(-2):yyyy-MM-dd}");
        Assert.True(first.ExitCode == 0, first.Stderr);
        Assert.Contains($"rates: {Day(-5):yyyy-MM-dd}: the lake's copy was written at {Day(-5):yyyy-MM-dd} 12:00 UTC, before the day ended (provisional)", first.Stderr);
        Assert.Contains($"rates: 2 day(s) already in the lake, skipped ({Day(-6):yyyy-MM-dd} to {Day(-4):yyyy-MM-dd}; --force to fetch again)", first.Stderr);
        Assert.Contains("rates: 3 snapshots landed", first.Stderr);
        Assert.Equal(kept[-6], File.ReadAllText(RatesFile(-6)));
        Assert.Equal(kept[-4], File.ReadAllText(RatesFile(-4)));
        foreach (var offset in new[] { -5, -3, -2 })
            Assert.Equal(SyntheticRatesSource.Render(Day(offset)), File.ReadAllBytes(RatesFile(offset)));
        Assert.Equal(kept[-1], File.ReadAllText(RatesFile(-1))); // the transactions end at day -2: without --latest no later day is fetched
        Assert.False(File.Exists(RatesFile(0)));

        var latest = await Cli.RunAsync(dir.Path, "run", "--latest");
        Assert.True(latest.ExitCode == 0, latest.Stderr);
        Assert.Contains($"rates for {Day(-6):yyyy-MM-dd} to {today:yyyy-MM-dd}", latest.Stderr);
        Assert.Contains($"rates: {Day(-1):yyyy-MM-dd}: the lake's copy holds the rates of {Day(-1):yyyy-MM-dd} 11:00 UTC, before the day's last hour (provisional", latest.Stderr);
        Assert.Contains("rates: 2 snapshots landed", latest.Stderr);
        Assert.Contains("5 already there", latest.Stderr);
        Assert.Equal(SyntheticRatesSource.Render(Day(-1)), File.ReadAllBytes(RatesFile(-1)));
        Assert.Equal(SyntheticRatesSource.Render(today), File.ReadAllBytes(RatesFile(0)));
        Assert.Equal(kept[-6], File.ReadAllText(RatesFile(-6)));

        Assert.True(today == DateOnly.FromDateTime(DateTime.UtcNow), "the UTC day changed during the scenario, so its expectations do not hold: run it again");
    }
}
