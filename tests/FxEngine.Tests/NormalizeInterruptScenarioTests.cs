using FxEngine.Sources.Transactions;
using static FxEngine.Tests.TestData;

namespace FxEngine.Tests;

/// <summary>
/// A normalize run stopped mid-write, by SIGTERM, Ctrl+C or kill -9: the committed output of the
/// run before stays exactly as it was, a signal ends in exit 130 with nothing staged left, and
/// after a kill (before, during or after its commit) the next, incremental run leaves no
/// leftovers and a complete table.
/// </summary>
[Trait("Category", "Cli")]
public class NormalizeInterruptScenarioTests
{
    [Theory]
    [InlineData(15)] // SIGTERM
    [InlineData(2)] // SIGINT (Ctrl+C)
    public async Task Normalize_SignalMidRun_Exit130NoStagingPreviousOutputKept(int signal)
    {
        // Rows enough that the signal lands well before the commit (which, once begun, runs to
        // its end): the natively compiled CLI converts 400,000 rows in a few tenths of a second.
        using var dir = await LakeAsync(1_600_000);
        Assert.Equal(0, (await Cli.RunAsync(dir.Path, Args)).ExitCode);
        var before = Files(dir.Sub("out"));

        // --full: a rerun over the same input would otherwise find nothing to do.
        using var run = Cli.Start(dir.Path, new Dictionary<string, string?>(), [.. Args, "--full"]);
        var stderr = run.StandardError.ReadToEndAsync();
        await RunningAsync(dir, run);
        Cli.Signal(run, signal);
        await run.WaitForExitAsync();

        var said = await stderr;
        Assert.True(run.ExitCode == 130, $"exit {run.ExitCode}, stderr: {said}");
        Assert.Contains("cancelled", said);
        Assert.False(Directory.Exists(dir.Sub("out/_temporary")));
        Assert.Empty(Directory.GetFiles(dir.Path, "*.fxtmp", SearchOption.AllDirectories));
        Assert.Equal(before, Files(dir.Sub("out")));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(700)]
    [InlineData(1500)]
    public async Task Normalize_KilledMidRunThenRerun_NoLeftoversAndCompleteOutput(int afterMs)
    {
        using var dir = await LakeAsync();
        Assert.Equal(0, (await Cli.RunAsync(dir.Path, Args)).ExitCode);
        using var run = Cli.Start(dir.Path, new Dictionary<string, string?>(), [.. Args, "--full"]);
        await RunningAsync(dir, run);
        await Task.Delay(afterMs);
        run.Kill();
        await run.WaitForExitAsync();

        var rerun = await Cli.RunAsync(dir.Path, Args);

        Assert.Equal(0, rerun.ExitCode);
        Assert.False(Directory.Exists(dir.Sub("out/_temporary")));
        Assert.Empty(Directory.GetFiles(dir.Path, "*.fxtmp", SearchOption.AllDirectories));
        var rows = Query($"SELECT count(*) AS n, count(DISTINCT txn_id) AS ids FROM read_parquet('{Glob(dir.Sub("out"))}')").Single();
        var rejected = Query($"SELECT count(*) AS n FROM read_parquet('{Glob(dir.Sub("out_rejects"))}')").Single();
        Assert.Equal(Convert.ToInt64(rows["n"]), Convert.ToInt64(rows["ids"]));
        Assert.Equal(400_000, Convert.ToInt64(rows["n"]) + Convert.ToInt64(rejected["n"]));
    }

    private static readonly string[] Args = ["normalize", "--rates", "rates", "--input", "raw", "--output", "out", "--workers", "2"];

    private static async Task<TempDir> LakeAsync(int rows = 400_000)
    {
        var dir = new TempDir();
        await TransactionGenerator.WriteAsync(new GenerateOptions { Rows = rows, Output = dir.Sub("raw"), From = D("2024-01-01"), To = D("2024-02-29"), RowGroupRows = 20_000 });
        WriteSyntheticRates(dir.Sub("rates"), D("2024-01-01"), D("2024-02-29"));
        return dir;
    }

    /// <summary>Waits until the run holds its output's lock: from then on it is working on the output.</summary>
    private static async Task RunningAsync(TempDir dir, System.Diagnostics.Process run)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (!File.Exists(dir.Sub("out/_fxengine/lock.json")))
        {
            Assert.False(run.HasExited, "the run ended before it took its lock");
            Assert.True(DateTime.UtcNow < deadline, "the run took no lock within a minute");
            await Task.Delay(10);
        }
    }

    /// <summary>Every file under a folder with its bytes' hash, the lock's own files aside.</summary>
    private static Dictionary<string, string> Files(string folder) =>
        Directory.GetFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/_fxengine/", StringComparison.Ordinal))
            .ToDictionary(f => Path.GetRelativePath(folder, f), f => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f))));
}
