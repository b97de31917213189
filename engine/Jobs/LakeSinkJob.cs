using System.Globalization;
using System.Text;
using Confluent.Kafka;
using FxEngine.Kafka;
using FxEngine.Sinks;
using FxEngine.Sources.Rates;
using FxEngine.Storage;

namespace FxEngine.Jobs;

/// <summary>
/// Kafka → lake: consumes the rates topic as a consumer group and writes each snapshot to
/// <c>exchange_rates/YYYY-MM-DD.json</c>. The offset of a message is committed only after its
/// object is written (or its dead letter delivered), one message at a time in partition
/// order: a crash loses nothing, and a redelivery rewrites the same object with the same
/// bytes. A message with a bad key, a body that is not a snapshot, or a key that disagrees
/// with the body's date goes to the dead-letter topic with the reason and its origin.
/// </summary>
public static class LakeSinkJob
{
    /// <summary>
    /// With --once, how long to wait for every partition of the topic by default. A crashed
    /// member of the group keeps its partitions until its session times out (librdkafka's
    /// session.timeout.ms, 45 s by default), so this must be longer.
    /// </summary>
    public static readonly TimeSpan DefaultAssignmentTimeout = TimeSpan.FromSeconds(90);

    /// <param name="lake">The lake root (a folder or s3://bucket/prefix); snapshots land in its <c>exchange_rates/</c>.</param>
    public static Task<LakeSinkResult> RunAsync(KafkaSettings kafka, string lake, bool once, Action<string> log,
        CancellationToken cancellationToken, TimeSpan? assignmentTimeout = null) =>
        RunAsync(kafka, ObjectStore.Open(lake), once, log, cancellationToken, assignmentTimeout);

    internal static Task<LakeSinkResult> RunAsync(KafkaSettings kafka, IObjectStore lake, bool once, Action<string> log,
        CancellationToken cancellationToken, TimeSpan? assignmentTimeout = null) =>
        // librdkafka's consume call blocks a thread; keep it off the caller's.
        Task.Factory.StartNew(() => Run(kafka, lake, once, assignmentTimeout ?? DefaultAssignmentTimeout, log, cancellationToken),
            cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private static LakeSinkResult Run(KafkaSettings kafka, IObjectStore lake, bool once, TimeSpan assignmentTimeout, Action<string> log,
        CancellationToken cancellationToken)
    {
        kafka.Validate();
        var sink = new LakeRatesWriter(lake);
        var drained = new HashSet<TopicPartition>();
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(kafka.Consumer())
            .SetPartitionsAssignedHandler((_, partitions) => log($"assigned {Describe(partitions)}"))
            .SetPartitionsRevokedHandler((_, partitions) =>
            {
                log($"revoked {Describe(partitions.Select(p => p.TopicPartition))}");
                drained.ExceptWith(partitions.Select(p => p.TopicPartition));
            })
            .Build();
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(kafka.Producer()).Build();
        var deadLetters = new DeadLetters(producer, kafka.DeadLetter, log);
        consumer.Subscribe(kafka.Topic);

        var written = 0;
        var deadLettered = 0;
        var kept = 0;
        var partitions = once ? TopicPartitions.Of(consumer.Handle, kafka.Topic).Count : 0; // a topic that does not exist yet has nothing to drain
        var waitingSince = DateTime.UtcNow;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                ConsumeResult<byte[]?, byte[]?>? result;
                try
                {
                    result = consumer.Consume(TimeSpan.FromMilliseconds(250));
                }
                catch (ConsumeException ex)
                {
                    throw new FxException($"{MessageOrigin.Of(ex, kafka.Topic)}: consuming failed ({ex.Error.Reason}); nothing past the last landed snapshot was committed, so a restart resumes there", ex);
                }
                if (result is null || result.IsPartitionEOF)
                {
                    if (result is not null && drained.Add(result.TopicPartition))
                        waitingSince = DateTime.UtcNow;
                    if (once && drained.Count >= partitions)
                        break;
                    if (once && DateTime.UtcNow - waitingSince > assignmentTimeout)
                        throw new FxException($"{kafka.Topic}: --once reached the end of {drained.Count} of its {partitions} partition(s) in {assignmentTimeout.TotalSeconds:0} s; " +
                            $"another member of group {kafka.GroupId} still holds the rest (a crashed sink keeps them until its session times out). " +
                            "Nothing was skipped: run again, or give it longer with --assignment-timeout");
                    continue;
                }
                drained.Remove(result.TopicPartition);
                waitingSince = DateTime.UtcNow;

                var origin = MessageOrigin.Of(result);
                RatesMessage? message = null;
                try
                {
                    message = Decode(result, origin);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // A body no check foresaw must not stop the partition either: it is dead-lettered as unreadable.
                    var problem = ex as FxException
                        ?? new FxException(FxErrorCode.InvalidSnapshot, origin, $"unreadable message ({ex.GetType().Name}: {ex.Message})");
                    deadLetters.Send(result, problem.Code, problem.Detail, cancellationToken);
                    deadLettered++;
                    log($"{origin}: sent to {kafka.DeadLetter}: {problem.Detail}");
                }
                if (message is not null)
                {
                    try
                    {
                        var (key, outcome, landed) = sink.WriteAsync(message, origin, cancellationToken).GetAwaiter().GetResult();
                        if (outcome == LakeRatesWriter.Outcome.Written)
                            written++;
                        else
                            kept++;
                        log(outcome switch
                        {
                            LakeRatesWriter.Outcome.Written => $"{origin}: wrote {lake.Describe(key)}",
                            LakeRatesWriter.Outcome.AlreadyLanded => $"{origin}: {lake.Describe(key)} holds this snapshot already",
                            _ => $"{origin}: kept {lake.Describe(key)}, a later snapshot of the day ({RateSnapshot.Stamp(landed!.Timestamp)}) than this one ({RateSnapshot.Stamp(message.Snapshot.Timestamp)})",
                        });
                    }
                    catch (FxException ex) when (ex.Code == FxErrorCode.SnapshotConflict)
                    {
                        deadLetters.Send(result, ex.Code, ex.Detail, cancellationToken);
                        deadLettered++;
                        log($"{origin}: sent to {kafka.DeadLetter}: {ex.Detail}");
                    }
                }
                Commit(consumer, result, origin, log);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutdown: everything written is already committed.
        }
        finally
        {
            // Leaves the group at once, so the partitions move to another member without waiting for a session timeout.
            consumer.Close();
        }
        return new LakeSinkResult(written, deadLettered, kept);
    }

    /// <summary>
    /// Commits past a landed message. A rebalance can refuse the commit; the partition's next
    /// owner then redelivers the message and rewrites the same object with the same bytes.
    /// </summary>
    private static void Commit(IConsumer<byte[]?, byte[]?> consumer, ConsumeResult<byte[]?, byte[]?> result, string origin, Action<string> log)
    {
        try
        {
            consumer.Commit(result);
        }
        catch (KafkaException ex) when (ex.Error.Code is ErrorCode.RebalanceInProgress or ErrorCode.IllegalGeneration or ErrorCode.UnknownMemberId)
        {
            log($"{origin}: commit refused during a rebalance ({ex.Error.Reason}); it will be redelivered and rewritten identically");
        }
        catch (KafkaException ex)
        {
            throw new FxException($"{origin}: committing its offset failed ({ex.Error.Reason}); its snapshot is landed, and a restart rewrites it with the same bytes", ex);
        }
    }

    /// <summary>The snapshot a message carries (its body parsed once, here).</summary>
    /// <exception cref="FxException">Why it cannot be landed: the code and detail its dead letter carries.</exception>
    internal static RatesMessage Decode(ConsumeResult<byte[]?, byte[]?> result, string origin)
    {
        var keyText = result.Message.Key is null ? null : Encoding.UTF8.GetString(result.Message.Key);
        if (keyText is null || !DateOnly.TryParseExact(keyText, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            throw new FxException(FxErrorCode.InvalidKey, origin, "key is not a date (YYYY-MM-DD)");
        if (result.Message.Value is null)
            throw new FxException(FxErrorCode.MissingBody, origin, "the message has no body");
        var source = RatesWire.Header(result.Message.Headers, RatesWire.SourceHeader) ?? "unknown";
        // Dated by the body's timestamp, not the key: the key must agree with it.
        var message = RatesMessage.Parse(result.Message.Value, source, result.Message.Timestamp.UtcDateTime, origin);
        if (message.Date != date)
            throw new FxException(FxErrorCode.DateMismatch, origin, $"key {keyText} disagrees with the body's timestamp date {message.Date:yyyy-MM-dd}");
        return message;
    }

    private static string Describe(IEnumerable<TopicPartition> partitions) =>
        string.Join(", ", partitions.Select(p => $"{p.Topic}[{p.Partition.Value}]"));
}
