using FxEngine.Kafka;
using FxEngine.Storage;
using FxEngine.Storage.Locks;
using FxEngine.Streaming;

namespace FxEngine.Jobs;

/// <summary>A stream's state now, for the progress line.</summary>
public sealed record StreamProgress(long RowsRead, long RowsCommitted, double RowsPerSecond, IReadOnlyDictionary<int, long> LagByPartition, int RowsWaiting,
    IReadOnlyList<(DateOnly Day, int Rows)> WaitingDays, DateTimeOffset? LastCommitAt, bool Paused);

/// <summary>A flush's commit: when it was stored, and the topic offsets whose rows it published (for latency measurements).</summary>
internal sealed record StreamCommit(string Flush, DateTimeOffset At, IReadOnlyList<(int Partition, long Offset)> Rows);

/// <summary>What a stream did before it stopped.</summary>
public sealed record StreamResult(long RowsIn, long RowsOut, long RowsRejected, long DeadLettered, long Skipped, int Flushes);

/// <summary>
/// Kafka → lake in real time (<c>fxengine stream</c>): transactions are converted as they
/// arrive with the live rates table and appended to the same partitioned table batch runs
/// write, exactly once: each flush commits its files and the offsets they hold in one table
/// state write, and a restart resumes from the table state (see <see cref="StreamTable"/>). One
/// stream per table: a second is refused by the stream lock.
/// </summary>
public static class StreamJob
{
    public static Task<StreamResult> RunAsync(StreamOptions options, KafkaSettings kafka, Action<string> log,
        Action<StreamProgress>? progress, CancellationToken cancellationToken) =>
        RunAsync(options, kafka, log, progress, null, cancellationToken);

    internal static Task<StreamResult> RunAsync(StreamOptions options, KafkaSettings kafka, Action<string> log,
        Action<StreamProgress>? progress, Action<StreamCommit>? committed, CancellationToken cancellationToken) =>
        // librdkafka's consume calls block a thread; keep them off the caller's.
        Task.Factory.StartNew(() => RunCoreAsync(options, kafka, log, progress, committed, cancellationToken),
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();

    private static async Task<StreamResult> RunCoreAsync(StreamOptions options, KafkaSettings kafka, Action<string> log,
        Action<StreamProgress>? progress, Action<StreamCommit>? committed, CancellationToken cancellationToken)
    {
        options.Validate();
        kafka = kafka with { Topic = options.Topic, GroupId = options.Group };
        kafka.Validate();
        var runId = $"stream-{DateTimeOffset.UtcNow:yyyyMMdd'T'HHmmss'Z'}-{Guid.NewGuid().ToString("N")[..8]}";
        // The stream's own lock, held for its lifetime; flushes take the table's lock one at a time.
        var lockStore = ObjectStore.Open(ObjectStore.Child(options.Output, "_fxengine/stream-lock"));
        await using var streamLock = await RunLock.AcquireAsync([lockStore], runId, options.Wait, log, cancellationToken).ConfigureAwait(false);
        var table = new StreamTable(ObjectStore.Open(options.Output), ObjectStore.Open(options.Rejects), log, streamLock.Lost);
        var state = await table.RecoverAsync(cancellationToken).ConfigureAwait(false);
        if (state?.Stream is { Topic: var fed } && fed != options.Topic)
            throw FxException.InvalidOption($"{options.Output} is fed by topic '{fed}', not '{options.Topic}'; one table takes one transactions topic");
        using var stopOnLostLock = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, streamLock.Lost);
        using var runner = new StreamRunner(options, kafka, table, state?.Stream, log, progress, committed);
        try
        {
            return await runner.RunAsync(stopOnLostLock.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (streamLock.Lost.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new FxException($"{options.Output}: the stream lost its lock (its lease could not be renewed); it stopped, and a restart resumes from the last commit");
        }
    }
}
