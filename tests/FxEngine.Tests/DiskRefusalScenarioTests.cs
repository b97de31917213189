using FxEngine.Sinks;
using FxEngine.Sources.Rates;
using FxEngine.Sources.Transactions;
using FxEngine.Storage;
using static FxEngine.Tests.TestData;

namespace FxEngine.Tests;

/// <summary>
/// A local disk that refuses a write (here the file size limit, whose EFBIG fails a write as a
/// full disk's ENOSPC does) while rows spill, output files are written, or from the first write
/// on (the run lock's holder file): the CLI says which file
/// and what to do in one line and exits 1, publishes nothing, leaves no spill or temporary file,
/// and the next run, with room, writes the whole output.
/// </summary>
[Trait("Category", "Cli")]
public class DiskRefusalScenarioTests
{
    /// <summary>Far below a day's output file (25k rows) and the spill of the whole input.</summary>
    private const int LimitKib = 256;

    [Fact]
    public async Task Normalize_SpillRefused_NamesSpillFileAndWhatToDo_NextRunWritesAll()
    {
        using var dir = new TempDir();
        await LakeAsync(dir);

        // A 1 MiB budget spills from the first batches on, long before any output file is written.
        var line = await RefusedAsync(dir, "--memory-budget", "1MiB");

        Assert.Contains("spilling rows to local disk failed", line);
        Assert.Contains($"'{dir.Sub("tmp")}/fxengine-spill-", line);
        Assert.Contains("--memory-budget", line);
        await NextRunWritesAllAsync(dir);
    }

    [Fact]
    public async Task Normalize_OutputFileRefused_NamesFile_NextRunWritesAll()
    {
        using var dir = new TempDir();
        await LakeAsync(dir);

        var line = await RefusedAsync(dir);

        Assert.Contains($"error: {dir.Sub("out")}/_temporary/", line);
        Assert.Contains(".parquet: writing it failed: ", line);
        await NextRunWritesAllAsync(dir);
    }

    [Fact]
    public async Task Normalize_NothingMayBeWritten_NamesRunLock_NextRunWritesAll()
    {
        using var dir = new TempDir();
        await LakeAsync(dir);

        var line = await RefusedAsync(dir, limitKib: 0);

        Assert.Contains($"error: {dir.Sub("out")}/_fxengine/lock.json: taking the run lock failed: ", line);
        await NextRunWritesAllAsync(dir);
    }

    private static Task<string> RefusedAsync(TempDir dir, params string[] extra) => RefusedAsync(dir, LimitKib, extra);

    /// <summary>Runs normalize under the limit; returns its error line once it is checked to be the only trace of the run.</summary>
    private static async Task<string> RefusedAsync(TempDir dir, int limitKib, params string[] extra)
    {
        var result = await Cli.RunWithFileSizeLimitAsync(dir.Path, limitKib, Environment(dir),
            ["normalize", "--rates", "lake/exchange_rates", "--input", "raw", "--output", "out", "--workers", "2", .. extra]);

        Assert.True(result.ExitCode == 1, $"exit {result.ExitCode}: {result.Stderr}");
        Assert.DoesNotContain("   at ", result.Stderr);
        var line = Assert.Single(result.Stderr.Split('\n'), l => l.StartsWith("error: ", StringComparison.Ordinal));
        Assert.Contains("reached the largest file this process may write", line);
        foreach (var output in new[] { "out", "out_rejects" }.Where(o => Directory.Exists(dir.Sub(o))))
        {
            Assert.Empty(Directory.GetFiles(dir.Sub(output), "*.parquet", SearchOption.AllDirectories));
            Assert.Empty(Directory.GetFiles(dir.Sub(output), "*.fxtmp", SearchOption.AllDirectories));
            Assert.False(Directory.Exists(dir.Sub($"{output}/_temporary")), $"{output}: the run's staging must go with it");
        }
        Assert.Empty(Directory.GetFiles(dir.Sub("tmp")));
        return line;
    }

    private static async Task NextRunWritesAllAsync(TempDir dir)
    {
        var result = await Cli.RunWithEnvironmentAsync(dir.Path, Environment(dir), "normalize", "--rates", "lake/exchange_rates", "--input", "raw", "--output", "out");

        Assert.True(result.ExitCode == 0, result.Stderr);
        var rows = Query($"SELECT count(*) AS n FROM read_parquet('{Glob(dir.Sub("out"))}')").Single()["n"];
        var rejected = Query($"SELECT count(*) AS n FROM read_parquet('{Glob(dir.Sub("out_rejects"))}')").Single()["n"];
        Assert.Equal(100_000L, Convert.ToInt64(rows) + Convert.ToInt64(rejected));
    }

    /// <summary>The spill goes to a temp folder of the test's own, to be checked empty after.</summary>
    private static Dictionary<string, string?> Environment(TempDir dir) => new() { ["TMPDIR"] = dir.Sub("tmp") };

    /// <summary>100k rows over four days, and their rates.</summary>
    private static async Task LakeAsync(TempDir dir)
    {
        Directory.CreateDirectory(dir.Sub("tmp"));
        await TransactionGenerator.WriteAsync(new GenerateOptions { Rows = 100_000, Output = dir.Sub("raw"), From = D("2024-02-01"), To = D("2024-02-04"), RowGroupRows = 10_000 });
        var sink = new LakeRatesWriter(ObjectStore.Open(dir.Sub("lake")));
        for (var day = D("2024-01-31"); day <= D("2024-02-04"); day = day.AddDays(1))
            await sink.WriteAsync(await new SyntheticRatesSource().FetchAsync(day, default), "synthetic", default);
    }
}
