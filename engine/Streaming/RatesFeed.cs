using Confluent.Kafka;
using FxEngine.Jobs;
using FxEngine.Kafka;
using FxEngine.Sources.Rates;

namespace FxEngine.Streaming;

/// <summary>
/// The rates topic read from its beginning and followed (no consumer group: every stream reads
/// all of it), feeding <see cref="LiveRates"/>. A message that is not a valid snapshot is
/// skipped with a warning: the lake sink dead-letters it, this reader only needs the good ones.
/// Partitions added to the topic later are picked up.
/// </summary>
internal sealed class RatesFeed : IDisposable
{
    private static readonly TimeSpan Refresh = TimeSpan.FromSeconds(10);
    private readonly IConsumer<byte[]?, byte[]?> _consumer;
    private readonly string _topic;
    private readonly Action<string> _log;
    private readonly HashSet<int> _assigned = [];
    private readonly HashSet<int> _atEnd = [];
    private DateTime _refreshedAt = DateTime.MinValue;

    public RatesFeed(KafkaSettings kafka, string topic, Action<string> log)
    {
        (_topic, _log) = (topic, log);
        var config = kafka.Consumer();
        config.GroupId = $"{kafka.GroupId}-rates"; // never committed: assignment, not the group, decides what is read
        _consumer = new ConsumerBuilder<byte[]?, byte[]?>(config).Build();
    }

    /// <summary>False while the topic does not exist.</summary>
    public bool Exists => _assigned.Count > 0;

    /// <summary>True once every partition of the topic has been read to its end at least once.</summary>
    public bool CaughtUp => _assigned.Count > 0 && _atEnd.IsSupersetOf(_assigned);

    /// <summary>Applies every snapshot available now (waiting up to <paramref name="wait"/> for the first); returns the days that changed.</summary>
    public List<DateOnly> Poll(LiveRates rates, TimeSpan wait)
    {
        RefreshAssignment();
        var changed = new List<DateOnly>();
        if (_assigned.Count == 0)
            return changed;
        for (var timeout = wait; ; timeout = TimeSpan.Zero)
        {
            ConsumeResult<byte[]?, byte[]?>? result;
            try
            {
                result = _consumer.Consume(timeout);
            }
            catch (ConsumeException ex)
            {
                throw new FxException($"{MessageOrigin.Of(ex, _topic)}: reading the rates topic failed ({ex.Error.Reason})", ex);
            }
            if (result is null)
                break;
            if (result.IsPartitionEOF)
            {
                _atEnd.Add(result.Partition.Value);
                continue;
            }
            var origin = MessageOrigin.Of(result);
            RatesMessage message;
            try
            {
                message = LakeSinkJob.Decode(result, origin);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                _log($"{origin}: not a usable rate snapshot, skipped ({(ex as FxException)?.Detail ?? ex.Message})");
                continue;
            }
            // Outside the try: two different snapshots of a day with one timestamp fail the stream.
            if (rates.Add(message.Snapshot, origin))
                changed.Add(message.Date);
        }
        rates.Publish();
        return changed;
    }

    /// <summary>Assigns partitions that appeared since the last look, from their beginning.</summary>
    private void RefreshAssignment()
    {
        if (DateTime.UtcNow - _refreshedAt < (_assigned.Count == 0 ? TimeSpan.FromSeconds(1) : Refresh))
            return;
        _refreshedAt = DateTime.UtcNow;
        var partitions = TopicPartitions.Of(_consumer.Handle, _topic);
        var added = partitions.Where(_assigned.Add).ToList();
        if (added.Count == 0)
            return;
        _consumer.IncrementalAssign(added.Select(p => new TopicPartitionOffset(_topic, p, Offset.Beginning)));
        if (_assigned.Count == added.Count)
            _log($"rates from {_topic} ({_assigned.Count} partition(s)), from the beginning");
    }

    public void Dispose()
    {
        _consumer.Close();
        _consumer.Dispose();
    }
}
