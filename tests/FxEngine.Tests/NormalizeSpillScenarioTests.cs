using FxEngine.Jobs;
using FxEngine.Sinks;
using FxEngine.Sources.Rates;
using FxEngine.Sources.Transactions;
using FxEngine.Storage;
using static FxEngine.Tests.TestData;

namespace FxEngine.Tests;

/// <summary>
/// A run whose memory budget is far below its input spills rows to a local file and reads them
/// back, and reads its input's row groups one at a time: its output and rejects are exactly those
/// of a run that held everything in memory, every row group but a file's last holds at least the
/// minimum, and the spill file is gone afterwards.
/// </summary>
public class NormalizeSpillScenarioTests
{
    private const int MinRowGroup = 4_000;

    [Fact]
    public async Task Normalize_BudgetFarBelowInput_SameOutputAsInMemoryAndRowGroupsMeetTheMinimum()
    {
        using var dir = new TempDir();
        await TransactionGenerator.WriteAsync(new GenerateOptions
        {
            Rows = 60_000, Output = dir.Sub("raw"), From = D("2024-01-01"), To = D("2024-01-06"), Seed = 5, RowGroupRows = 5_000,
        });
        var sink = new LakeRatesWriter(ObjectStore.Open(dir.Sub("lake")));
        for (var day = D("2023-12-30"); day <= D("2024-01-06"); day = day.AddDays(1))
            if (day.Day != 3) // a missing day: stale rows take part too
                await sink.WriteAsync(await new SyntheticRatesSource().FetchAsync(day, default), "synthetic", default);
        NormalizeOptions Options(string name, long budget) => new()
        {
            Rates = dir.Sub("lake/exchange_rates"), Input = dir.Sub("raw"), Output = dir.Sub(name), Rejects = dir.Sub($"{name}_rejects"),
            Workers = 2, RowGroupRows = MinRowGroup, MemoryBudget = budget, SpillDirectory = dir.Sub("spill"),
        };

        var (inMemoryLog, spilledLog) = (new List<string>(), new List<string>());
        var inMemory = await NormalizeJob.RunAsync(Options("memory", 1L << 30), log: inMemoryLog.Add);
        var spilled = await NormalizeJob.RunAsync(Options("spilled", 1L << 20), log: spilledLog.Add);

        Assert.Equal(0, inMemory.SpilledBytes);
        // A 5,000-row row group takes more than 1 MiB to read: the two workers take turns, and say so.
        Assert.Equal(1, spilled.MostReadAtOnce);
        Assert.InRange(inMemory.MostReadAtOnce, 1, 2);
        Assert.DoesNotContain(inMemoryLog, line => line.Contains("at a time"));
        Assert.Contains(spilledLog, line => line.Contains("row groups of up to 5,000 rows") && line.Contains("reading 1 at a time, not 2"));
        Assert.True(spilled.SpilledBytes > 0, "a 1 MiB budget must spill 60,000 rows");
        foreach (var (a, b) in new[] { ("memory", "spilled"), ("memory_rejects", "spilled_rejects") })
        {
            var (left, right) = ($"read_parquet('{Glob(dir.Sub(a))}')", $"read_parquet('{Glob(dir.Sub(b))}')");
            var differences = Query($"SELECT (SELECT count(*) FROM (FROM {left} EXCEPT ALL FROM {right})) + (SELECT count(*) FROM (FROM {right} EXCEPT ALL FROM {left})) AS n").Single();
            Assert.Equal(0L, Convert.ToInt64(differences["n"]));
        }
        Assert.Equal(Convert.ToInt64(Query($"SELECT count(*) AS n FROM read_parquet('{Glob(dir.Sub("memory"))}')").Single()["n"]), spilled.Stats.RowsOut);
        foreach (var output in new[] { "memory", "spilled" })
        {
            var files = RowGroups(dir.Sub(output));
            Assert.Contains(files, f => f.Value.Count > 1);
            foreach (var (file, groups) in files)
                Assert.All(groups.SkipLast(1), rows => Assert.True(rows >= MinRowGroup, $"{file}: a row group of {rows} rows before the last"));
        }
        Assert.Empty(Directory.GetFiles(dir.Sub("spill")));
    }

    [Fact]
    public async Task Normalize_CsvBudgetFarBelowInput_SameOutputAndRejectsAsInMemory()
    {
        // CSV columns are strings (nulls, padded codes, text amounts typed DECIMAL(38,9) on output):
        // other column kinds than Parquet's go through the spill.
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.Sub("raw"));
        var csv = new System.Text.StringBuilder("txn_id,txn_date,currency,amount,note\n");
        string[] codes = ["SGD", " usd ", "EUR", "JPY", "ZZZ", "", "KWD"];
        for (var i = 0; i < 30_000; i++)
            csv.Append($"t{i},{(i % 97 == 0 ? "not-a-date" : $"2024-01-0{1 + i % 6}")},{codes[i % codes.Length]},{(i % 89 == 0 ? "" : $"{i % 5000}.{i % 100:D2}")},{(i % 3 == 0 ? "" : $"n{i % 7}")}\n");
        await File.WriteAllTextAsync(dir.Sub("raw/transactions.csv"), csv.ToString());
        var sink = new LakeRatesWriter(ObjectStore.Open(dir.Sub("lake")));
        for (var day = D("2023-12-30"); day <= D("2024-01-06"); day = day.AddDays(1))
            await sink.WriteAsync(await new SyntheticRatesSource().FetchAsync(day, default), "synthetic", default);
        NormalizeOptions Options(string name, long budget) => new()
        {
            Rates = dir.Sub("lake/exchange_rates"), Input = dir.Sub("raw"), Output = dir.Sub(name), Rejects = dir.Sub($"{name}_rejects"),
            Workers = 2, RowGroupRows = 2_000, MemoryBudget = budget, SpillDirectory = dir.Sub("spill"),
        };

        await NormalizeJob.RunAsync(Options("memory", 1L << 30));
        var spilled = await NormalizeJob.RunAsync(Options("spilled", 1L << 20));

        Assert.True(spilled.SpilledBytes > 0);
        foreach (var (a, b) in new[] { ("memory", "spilled"), ("memory_rejects", "spilled_rejects") })
        {
            var (left, right) = ($"read_parquet('{Glob(dir.Sub(a))}')", $"read_parquet('{Glob(dir.Sub(b))}')");
            var counts = Query($"SELECT (SELECT count(*) FROM (FROM {left} EXCEPT ALL FROM {right})) + (SELECT count(*) FROM (FROM {right} EXCEPT ALL FROM {left})) AS n, (SELECT count(*) FROM {left}) AS rows").Single();
            Assert.Equal(0L, Convert.ToInt64(counts["n"]));
            Assert.True(Convert.ToInt64(counts["rows"]) > 0, $"{a} is empty");
        }
        Assert.Empty(Directory.GetFiles(dir.Sub("spill")));
    }
}
