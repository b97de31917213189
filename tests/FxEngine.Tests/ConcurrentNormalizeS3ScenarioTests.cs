using FxEngine.Jobs;
using FxEngine.Sources.Transactions;
using FxEngine.Storage;
using FxEngine.Storage.Locks;
using static FxEngine.Tests.TestData;

namespace FxEngine.Tests;

/// <summary>
/// Two normalize runs on one S3 output at once (s3rver, which ignores conditional writes, so
/// the lease's write-wait-verify path): one commits, the other is refused naming it, and the
/// output holds exactly one run's complete files.
/// </summary>
[Collection(S3Collection.Name)]
public class ConcurrentNormalizeS3ScenarioTests(S3rverFixture s3)
{
    [Theory]
    [InlineData(0)]
    [InlineData(300)]
    public async Task Normalize_TwoRunsOnS3AtOnce_OneRefusedOutputComplete(int gapMs)
    {
        Assert.NotNull(s3.Endpoint);
        var lake = $"s3://{S3rverFixture.Bucket}/concurrent-{Guid.NewGuid():N}";
        using var dir = new TempDir();
        await TransactionGenerator.WriteAsync(new GenerateOptions { Rows = 30_000, Output = dir.Sub("raw"), From = D("2024-03-01"), To = D("2024-03-10"), RowGroupRows = 5_000 });
        WriteSyntheticRates(dir.Sub("rates"), D("2024-03-01"), D("2024-03-10"));
        var options = new NormalizeOptions { Rates = dir.Sub("rates"), Input = dir.Sub("raw"), Output = $"{lake}/out", Rejects = $"{lake}/rejects", Workers = 2 };

        // Whichever run gets to read holds there until the other has ended, so the two always meet.
        var other = new TaskCompletionSource();
        var hold = new HoldUntil(other.Task);
        var first = Task.Run(() => NormalizeJob.RunAsync(options, hold));
        await Task.Delay(gapMs);
        var second = Task.Run(() => NormalizeJob.RunAsync(options, hold));
        await Task.WhenAny(first, second, Task.Delay(TimeSpan.FromMinutes(1)));
        other.SetResult();
        var outcomes = new List<object>();
        foreach (var run in new[] { first, second })
        {
            try { outcomes.Add(await run); }
            catch (FxException ex) { outcomes.Add(ex); }
        }

        Assert.Matches("is being written by run ", Assert.Single(outcomes.OfType<FxException>()).Message);
        var committed = Assert.Single(outcomes.OfType<NormalizeResult>());
        var output = ObjectStore.Open($"{lake}/out");
        var keys = await KeysAsync(output);
        Assert.Contains("_SUCCESS", keys);
        Assert.DoesNotContain(keys, k => k.StartsWith("_temporary/", StringComparison.Ordinal));
        var parts = keys.Where(k => k.EndsWith(".parquet", StringComparison.Ordinal)).ToList();
        Assert.Equal(10, parts.Count);
        Assert.All(parts, k => Assert.Contains(committed.RunId, k));
        // The lease is gone with its run.
        Assert.DoesNotContain("_fxengine/lock.json", keys);
    }

    [Fact]
    public async Task Normalize_LeaseBodyAndETagDisagreeForGood_ReadByItsBody()
    {
        // Two lease writes that meet on s3rver can leave one's body under the other's ETag, and
        // then every checked read of it fails. The lease is what its body says.
        var lake = $"concurrent-{Guid.NewGuid():N}";
        using var dir = new TempDir();
        var options = await SmallLakeAsync(dir, lake);
        var live = LockHolder.ForThisProcess("lease-body-run") with { ExpiresAt = DateTimeOffset.UtcNow.AddMinutes(10) };
        var other = LockHolder.ForThisProcess("lease-etag-run") with { ExpiresAt = DateTimeOffset.UtcNow.AddMinutes(10) };
        await ObjectStore.Open($"s3://{S3rverFixture.Bucket}/{lake}/out").WriteAllAsync("_fxengine/lock.json", other.ToJson());
        await File.WriteAllBytesAsync(s3.ObjectFile($"{lake}/out/_fxengine/lock.json"), live.ToJson());

        var refused = await Assert.ThrowsAsync<FxException>(() => NormalizeJob.RunAsync(options));
        Assert.Contains("is being written by run lease-body-run", refused.Message);

        // A body that stays torn (two writes interleaved) names no one: the lease is free to take.
        await File.WriteAllBytesAsync(s3.ObjectFile($"{lake}/out/_fxengine/lock.json"), live.ToJson()[..20]);
        var result = await NormalizeJob.RunAsync(options);
        Assert.Equal(1_000, result.Stats.RowsIn);
    }

    [Fact]
    public async Task Normalize_UnexpiredLeaseOfEndedProcessOnThisMachine_TakenOver_OthersRefused()
    {
        // What a run killed a moment ago leaves: a lease with most of its minute to go, naming a
        // process of this machine that has ended. Only a process that can be told to have ended
        // gives its lease up early.
        var lake = $"concurrent-{Guid.NewGuid():N}";
        using var dir = new TempDir();
        var options = await SmallLakeAsync(dir, lake);
        using var exited = System.Diagnostics.Process.Start("true")!;
        await exited.WaitForExitAsync();
        var scope = string.Join('/', ProcessIdentity.OfThisProcess!.Split('/')[..2]);
        var killed = new LockHolder("killed-run", Environment.MachineName, exited.Id, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddMinutes(10));
        var store = ObjectStore.Open($"s3://{S3rverFixture.Bucket}/{lake}/out");

        // Refused: a process that runs (this one); and where it cannot be told, no process
        // identity (an older lease), or one of another machine or pid namespace.
        foreach (var notEnded in new[] { ProcessIdentity.OfThisProcess, null, $"another-boot/pid:[1]/{exited.Id}/1", $"{scope.Split('/')[0]}/pid:[1]/{exited.Id}/1" })
        {
            await store.WriteAllAsync("_fxengine/lock.json", (killed with { Process = notEnded }).ToJson());
            var refused = await Assert.ThrowsAsync<FxException>(() => NormalizeJob.RunAsync(options));
            Assert.Contains("is being written by run killed-run", refused.Message);
        }

        await store.WriteAllAsync("_fxengine/lock.json", (killed with { Process = $"{scope}/{exited.Id}/1" }).ToJson());
        var result = await NormalizeJob.RunAsync(options);

        Assert.Equal(1_000, result.Stats.RowsIn);
        Assert.False(await store.ExistsAsync("_fxengine/lock.json"), "the run that took the lease over releases it");
    }

    /// <summary>1,000 rows over two days and their rates, locally; the options of a run that writes them to <paramref name="lake"/> on s3rver.</summary>
    private static async Task<NormalizeOptions> SmallLakeAsync(TempDir dir, string lake)
    {
        await TransactionGenerator.WriteAsync(new GenerateOptions { Rows = 1_000, Output = dir.Sub("raw"), From = D("2024-03-01"), To = D("2024-03-02") });
        WriteSyntheticRates(dir.Sub("rates"), D("2024-03-01"), D("2024-03-02"));
        return new NormalizeOptions { Rates = dir.Sub("rates"), Input = dir.Sub("raw"), Output = $"s3://{S3rverFixture.Bucket}/{lake}/out", Rejects = $"s3://{S3rverFixture.Bucket}/{lake}/rejects" };
    }
}
