using FxEngine.Jobs;
using FxEngine.Sources.Transactions;
using static FxEngine.Tests.TestData;

namespace FxEngine.Tests;

/// <summary>
/// Two normalize runs on one output at once, started 0 to 300 ms apart: one writes and the
/// other is refused naming it (or, with a wait, queues behind it); the output is always exact
/// and complete, never a mix of both.
/// </summary>
public class ConcurrentNormalizeScenarioTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(100)]
    [InlineData(300)]
    public async Task Normalize_TwoRunsAtOnce_OneRefusedOutputExact(int gapMs)
    {
        using var dir = await InputAsync();
        var options = Options(dir, wait: null);
        var reference = await ReferenceAsync(dir);

        // Whichever run gets to read holds there until the other has ended: a run of this input
        // takes a quarter of a second, so without the hold the later one could start after the
        // earlier one had committed, and find it up to date instead of meeting it.
        var other = new TaskCompletionSource();
        var hold = new HoldUntil(other.Task);
        var first = Task.Run(() => NormalizeJob.RunAsync(options, hold));
        await Task.Delay(gapMs);
        var second = Task.Run(() => NormalizeJob.RunAsync(options, hold));
        await Task.WhenAny(first, second, Task.Delay(TimeSpan.FromMinutes(1)));
        other.SetResult();
        var outcomes = await Outcomes(first, second);

        var refused = Assert.Single(outcomes, o => o.Error is not null).Error!;
        Assert.Matches("is being written by run .* \\(pid \\d+ on ", refused.Message);
        var committed = Assert.Single(outcomes, o => o.Result is not null).Result!;
        Assert.Equal(committed.RunId + "\n", File.ReadAllText(dir.Sub("out/_SUCCESS")));
        Assert.Equal(reference, Rows(dir));
        Assert.False(Directory.Exists(dir.Sub("out/_temporary")));
    }

    [Fact]
    public async Task Normalize_TwoRunsWithWait_SecondWaitsThenFindsTableUpToDate()
    {
        using var dir = await InputAsync();
        var options = Options(dir, wait: TimeSpan.FromMinutes(2));
        var reference = await ReferenceAsync(dir);

        var results = await Task.WhenAll(Task.Run(() => NormalizeJob.RunAsync(options)), Task.Run(() => NormalizeJob.RunAsync(options)));

        // The second waited for the first's commit, then found nothing left to recompute.
        var committed = Assert.Single(results, r => r.Changes.Mode == "full");
        Assert.Single(results, r => r.Changes.Mode == "up_to_date");
        Assert.Equal(committed.RunId, File.ReadAllText(dir.Sub("out/_SUCCESS")).Trim());
        Assert.Equal(reference, Rows(dir));
        Assert.All(Directory.GetFiles(dir.Sub("out"), "*.parquet", SearchOption.AllDirectories), f => Assert.Contains(committed.RunId, f));
    }

    [Fact]
    public async Task Normalize_LockFileCannotBeOpened_SaysSoRatherThanBlameAnotherRun()
    {
        // Only flock's "held" is another run: a lock file the system will not open (here a
        // symlink to itself, ELOOP; a read-only file system alike) is the machine's problem.
        using var dir = new TempDir();
        await TransactionGenerator.WriteAsync(new GenerateOptions { Rows = 1_000, Output = dir.Sub("raw"), From = D("2024-01-01"), To = D("2024-01-02") });
        WriteSyntheticRates(dir.Sub("rates"), D("2024-01-01"), D("2024-01-02"));
        Directory.CreateDirectory(dir.Sub("out/_fxengine"));
        File.CreateSymbolicLink(dir.Sub("out/_fxengine/lock"), dir.Sub("out/_fxengine/lock"));

        var error = await Assert.ThrowsAsync<FxException>(() => NormalizeJob.RunAsync(Options(dir, wait: null)));

        Assert.StartsWith($"{dir.Sub("out/_fxengine/lock")}: taking the run lock failed: ", error.Message);
        Assert.False(Directory.Exists(dir.Sub("rejects/_fxengine")), "no other lock is taken once one fails");
    }

    private static async Task<TempDir> InputAsync()
    {
        var dir = new TempDir();
        await TransactionGenerator.WriteAsync(new GenerateOptions { Rows = 500_000, Output = dir.Sub("raw"), From = D("2024-01-01"), To = D("2024-01-20"), RowGroupRows = 50_000 });
        WriteSyntheticRates(dir.Sub("rates"), D("2024-01-01"), D("2024-01-20"));
        return dir;
    }

    private static NormalizeOptions Options(TempDir dir, TimeSpan? wait) =>
        new() { Rates = dir.Sub("rates"), Input = dir.Sub("raw"), Output = dir.Sub("out"), Rejects = dir.Sub("rejects"), Workers = 2, Wait = wait };

    /// <summary>What one run alone writes, as rows.</summary>
    private static async Task<List<string>> ReferenceAsync(TempDir dir)
    {
        await NormalizeJob.RunAsync(new NormalizeOptions { Rates = dir.Sub("rates"), Input = dir.Sub("raw"), Output = dir.Sub("ref"), Rejects = dir.Sub("ref_rejects"), Workers = 2 });
        return Rows(dir, "ref", "ref_rejects");
    }

    private static async Task<List<(NormalizeResult? Result, FxException? Error)>> Outcomes(params Task<NormalizeResult>[] runs)
    {
        var outcomes = new List<(NormalizeResult?, FxException?)>();
        foreach (var run in runs)
        {
            try
            {
                outcomes.Add((await run, null));
            }
            catch (FxException ex)
            {
                outcomes.Add((null, ex));
            }
        }
        return outcomes;
    }

    /// <summary>Every output and reject row, sorted: duplicates and missing rows both show.</summary>
    private static List<string> Rows(TempDir dir, string output = "out", string rejects = "rejects") =>
        Query($"SELECT txn_id || '|' || CAST(amount_sgd AS VARCHAR) || '|' || fx_status AS r FROM read_parquet('{Glob(dir.Sub(output))}') " +
              $"UNION ALL SELECT txn_id || '|' || reject_reason FROM read_parquet('{Glob(dir.Sub(rejects))}') ORDER BY 1")
            .Select(r => (string)r["r"]!).ToList();
}
