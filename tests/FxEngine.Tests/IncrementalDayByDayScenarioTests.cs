using System.Text.Json;
using FxEngine.Jobs;
using FxEngine.Sources.Transactions;
using static FxEngine.Tests.TestData;

namespace FxEngine.Tests;

/// <summary>
/// Thirty days of transactions arriving a day at a time, with two days' rates arriving three
/// days late: after every run the table equals a full recompute row for row, and only the
/// partitions that had to change did (the rest keep their files, byte for byte).
/// </summary>
public class IncrementalDayByDayScenarioTests
{
    [Fact]
    public async Task Normalize_DayByDayWithLateRates_EqualsFullRecomputeAndTouchesOnlyDuePartitions()
    {
        using var dir = new TempDir();
        var first = D("2024-03-01");
        var late = new[] { first.AddDays(9), first.AddDays(10) }; // land with day 14's data
        var options = new NormalizeOptions
        {
            Rates = dir.Sub("rates"), Input = dir.Sub("raw"), Output = dir.Sub("out"), Rejects = dir.Sub("rejects"), MaxStaleDays = 1, Workers = 2,
        };

        for (var step = 0; step < 30; step++)
        {
            var day = first.AddDays(step);
            await TransactionGenerator.WriteAsync(new GenerateOptions
            {
                Rows = 2_000, Output = dir.Sub($"raw/day={day:yyyy-MM-dd}"), From = day, To = day, Seed = step, RowGroupRows = 1_000,
            });
            if (!late.Contains(day))
                WriteSyntheticRates(options.Rates, day, day);
            var restated = step == 13 ? late : [];
            foreach (var arrived in restated)
                WriteSyntheticRates(options.Rates, arrived, arrived);
            var before = TableTest.DataFiles(options.Output, options.RejectsLocation);

            var result = await NormalizeJob.RunAsync(options);

            var changed = TableTest.ChangedPartitions(before, TableTest.DataFiles(options.Output, options.RejectsLocation));
            var expected = new SortedSet<string>(restated.Append(day).Select(d => $"txn_date={d:yyyy-MM-dd}"), StringComparer.Ordinal);
            Assert.Equal(expected, changed);
            Assert.Equal(step == 0 ? "full" : "incremental", result.Changes.Mode);
            Assert.Equal(await TableTest.FullRecomputeAsync(options, dir), TableTest.Rows(options.Output, options.RejectsLocation));
            if (step == 13)
            {
                // Day 10 was stale (day 9's rate) and day 11 had no rate in reach: both now convert exactly.
                Assert.True(result.Changes.StaleToExact > 0, "stale rows of the late days should now be exact");
                Assert.True(result.Changes.RejectedToConverted > 0, "missing_rate rejects of the late days should now convert");
                var table = JsonDocument.Parse(File.ReadAllText(dir.Sub("out/_summary.json"))).RootElement.GetProperty("table");
                Assert.Equal("the rates of its day changed", table.GetProperty("recomputed").GetProperty("2024-03-10").GetString());
            }
        }
    }
}
