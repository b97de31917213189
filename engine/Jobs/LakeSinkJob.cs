using System.Globalization;
using System.Text;
using Confluent.Kafka;
using FxEngine.Kafka;
using FxEngine.Sinks;
using FxEngine.Sources.Rates;
using FxEngine.Storage;

namespace FxEngine.Jobs;

/// <summary>What the sink did: snapshots landed and messages sent to the dead-letter topic.</summary>
public sealed record LakeSinkResult(int Written, int DeadLettered);

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
    /// <summary>With --once, how long to wait for partitions before deciding there is nothing to drain.</summary>
    private static readonly TimeSpan AssignmentWait = TimeSpan.FromSeconds(15);

    public static Task<LakeSinkResult> RunAsync(KafkaSettings kafka, IObjectStore lake, bool once, Action<string> log, CancellationToken cancellationToken) =>
        // librdkafka's consume call blocks a thread; keep it off the caller's.
        Task.Factory.StartNew(() => Run(kafka, lake, once, log, cancellationToken), cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private static LakeSinkResult Run(KafkaSettings kafka, IObjectStore lake, bool once, Action<string> log, CancellationToken cancellationToken)
    {
        kafka.Validate();
        var sink = new LakeRatesWriter(lake);
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(kafka.Consumer())
            .SetPartitionsAssignedHandler((_, partitions) => log($"assigned {Describe(partitions)}"))
            .SetPartitionsRevokedHandler((_, partitions) => log($"revoked {Describe(partitions.Select(p => p.TopicPartition))}"))
            .Build();
        using var deadLetters = new ProducerBuilder<byte[]?, byte[]?>(kafka.Producer()).Build();
        consumer.Subscribe(kafka.Topic);

        var written = 0;
        var deadLettered = 0;
        var drained = new HashSet<TopicPartition>();
        var started = DateTime.UtcNow;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var result = consumer.Consume(TimeSpan.FromMilliseconds(250));
                if (result is null || result.IsPartitionEOF)
                {
                    if (result is not null)
                        drained.Add(result.TopicPartition);
                    if (once && Drained(consumer, drained, started))
                    {
                        if (consumer.Assignment.Count == 0)
                            log($"no partition of {kafka.Topic} was assigned within {AssignmentWait.TotalSeconds:0} s: nothing to drain");
                        break;
                    }
                    continue;
                }
                drained.Remove(result.TopicPartition);

                var origin = $"{result.Topic}[{result.Partition.Value}]@{result.Offset.Value}";
                var (message, problem) = Decode(result, origin);
                if (message is not null)
                {
                    var key = sink.WriteAsync(message, cancellationToken).GetAwaiter().GetResult();
                    written++;
                    log($"{origin}: wrote {lake.Describe(key)}");
                }
                else
                {
                    deadLetters.ProduceAsync(kafka.DeadLetter, DeadLetter(result, problem!), cancellationToken).GetAwaiter().GetResult();
                    deadLettered++;
                    log($"{origin}: sent to {kafka.DeadLetter}: {problem}");
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
            consumer.Close();
        }
        return new LakeSinkResult(written, deadLettered);
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
    }

    /// <summary>The snapshot a message carries, or why it cannot be landed.</summary>
    private static (RatesMessage? Message, string? Problem) Decode(ConsumeResult<byte[]?, byte[]?> result, string origin)
    {
        var keyText = result.Message.Key is null ? null : Encoding.UTF8.GetString(result.Message.Key);
        if (keyText is null || !DateOnly.TryParseExact(keyText, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            return (null, "key is not a date (YYYY-MM-DD)");
        if (result.Message.Value is null)
            return (null, "the message has no body");
        RateSnapshot snapshot;
        try
        {
            snapshot = RateSnapshotParser.Parse(result.Message.Value, origin);
        }
        catch (FxException ex)
        {
            return (null, ex.Message[(origin.Length + 2)..]);
        }
        if (snapshot.Date != date)
            return (null, $"key {keyText} disagrees with the body's timestamp date {snapshot.Date:yyyy-MM-dd}");

        var source = RatesWire.Header(result.Message.Headers, RatesWire.SourceHeader) ?? "unknown";
        return (new RatesMessage(date, result.Message.Value, source, result.Message.Timestamp.UtcDateTime), null);
    }

    private static Message<byte[]?, byte[]?> DeadLetter(ConsumeResult<byte[]?, byte[]?> result, string reason)
    {
        var headers = new Headers();
        foreach (var header in result.Message.Headers ?? [])
            headers.Add(header.Key, header.GetValueBytes());
        headers.Add(RatesWire.DeadLetterReason, Encoding.UTF8.GetBytes(reason));
        headers.Add(RatesWire.DeadLetterTopic, Encoding.UTF8.GetBytes(result.Topic));
        headers.Add(RatesWire.DeadLetterPartition, Encoding.UTF8.GetBytes(result.Partition.Value.ToString(CultureInfo.InvariantCulture)));
        headers.Add(RatesWire.DeadLetterOffset, Encoding.UTF8.GetBytes(result.Offset.Value.ToString(CultureInfo.InvariantCulture)));
        return new Message<byte[]?, byte[]?> { Key = result.Message.Key, Value = result.Message.Value, Headers = headers };
    }

    /// <summary>True once every assigned partition reported its end, or nothing was assigned in time.</summary>
    private static bool Drained(IConsumer<byte[]?, byte[]?> consumer, HashSet<TopicPartition> drained, DateTime started)
    {
        var assignment = consumer.Assignment;
        if (assignment.Count == 0)
            return DateTime.UtcNow - started > AssignmentWait;
        return assignment.All(drained.Contains);
    }

    private static string Describe(IEnumerable<TopicPartition> partitions) =>
        string.Join(", ", partitions.Select(p => $"{p.Topic}[{p.Partition.Value}]"));
}
