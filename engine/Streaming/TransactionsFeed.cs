using Confluent.Kafka;
using FxEngine.Kafka;

namespace FxEngine.Streaming;

/// <summary>
/// The transactions topic, read by assignment (one stream per table, so no group rebalancing):
/// every partition from where the table state says it resumes, partitions added later picked
/// up, the state checked against the topic first, pausing for backpressure, and the consumer
/// group's offsets kept in step for monitoring tools only.
/// </summary>
internal sealed class TransactionsFeed : IDisposable
{
    private static readonly TimeSpan Refresh = TimeSpan.FromSeconds(30);
    private readonly IConsumer<byte[]?, byte[]?> _consumer;
    private readonly string _topic;
    private readonly OffsetLedger _ledger;
    private readonly Action<string> _log;
    private readonly HashSet<int> _assigned = [];
    private DateTime _refreshedAt = DateTime.MinValue;
    private bool _saidMissing;

    public TransactionsFeed(KafkaSettings kafka, OffsetLedger ledger, Action<string> log)
    {
        (_topic, _ledger, _log) = (kafka.Topic, ledger, log);
        var config = kafka.Consumer();
        // A position past retention must stop the stream, not jump silently to the partition's start or end.
        config.AutoOffsetReset = AutoOffsetReset.Error;
        _consumer = new ConsumerBuilder<byte[]?, byte[]?>(config).Build();
    }

    public bool Paused { get; private set; }

    public IReadOnlyCollection<int> Partitions => _assigned;

    /// <summary>The next message, a partition's end, or null after <paramref name="timeout"/>.</summary>
    public ConsumeResult<byte[]?, byte[]?>? Consume(TimeSpan timeout)
    {
        try
        {
            return _consumer.Consume(timeout);
        }
        catch (ConsumeException ex)
        {
            throw new FxException($"{MessageOrigin.Of(ex, _topic)}: consuming failed ({ex.Error.Reason}); nothing past the last commit is lost, a restart resumes there", ex);
        }
    }

    public void Pause()
    {
        _consumer.Pause(_consumer.Assignment);
        Paused = true;
    }

    public void Resume()
    {
        _consumer.Resume(_consumer.Assignment);
        Paused = false;
    }

    /// <summary>Assigns the topic's partitions (and any added later), each from where the table state says it resumes.</summary>
    public void RefreshAssignment()
    {
        // A topic that does not exist yet is looked for every second, so its first rows do not wait half a minute.
        if (DateTime.UtcNow - _refreshedAt < (_assigned.Count == 0 ? TimeSpan.FromSeconds(1) : Refresh))
            return;
        _refreshedAt = DateTime.UtcNow;
        var partitions = TopicPartitions.Of(_consumer.Handle, _topic);
        if (partitions.Count == 0 && !_saidMissing)
            _log($"{_topic}: the topic does not exist yet; waiting for its first message");
        _saidMissing |= partitions.Count == 0;
        var added = partitions.Where(p => !_assigned.Contains(p)).ToList();
        if (added.Count == 0)
            return;
        var starts = added.Select(p => new TopicPartitionOffset(_topic, p, _ledger.StartOf(p) is { } at ? new Offset(at) : Offset.Beginning)).ToList();
        foreach (var start in starts.Where(s => s.Offset != Offset.Beginning))
            CheckStillOnTopic(start);
        _consumer.IncrementalAssign(starts);
        _assigned.UnionWith(added);
        if (Paused)
            _consumer.Pause(starts.Select(s => s.TopicPartition));
        _log($"{_topic}: reading {string.Join(", ", starts.Select(s => $"[{s.Partition.Value}] from {(s.Offset == Offset.Beginning ? "the beginning" : s.Offset.Value)}"))}");
    }

    /// <summary>--once: the end of each partition now; the run stops when it has read that far.</summary>
    public Dictionary<int, long> EndOffsets() => _assigned.ToDictionary(p => p, p => Marks(p).High.Value);

    /// <summary>How far each partition's end is ahead of what was read (from the last fetch: no request).</summary>
    public SortedDictionary<int, long> Lag()
    {
        var lag = new SortedDictionary<int, long>();
        foreach (var partition in _assigned)
        {
            var high = _consumer.GetWatermarkOffsets(new TopicPartition(_topic, partition)).High;
            lag[partition] = high == Offset.Unset ? 0 : Math.Max(0, high.Value - _ledger.PositionOf(partition));
        }
        return lag;
    }

    /// <summary>The group's offsets follow the table's, for monitoring tools; a restart never reads them.</summary>
    public void CommitGroupOffsets()
    {
        try
        {
            var points = _ledger.ResumePoints().Where(p => _assigned.Contains(p.Partition))
                .Select(p => new TopicPartitionOffset(_topic, p.Partition, p.Offset)).ToList();
            if (points.Count > 0)
                _consumer.Commit(points);
        }
        catch (KafkaException ex)
        {
            _log($"{_topic}: committing the group's (informational) offsets failed ({ex.Error.Reason}); the table state holds the real ones");
        }
    }

    /// <summary>
    /// The table state must fit the topic: offsets it says are written must exist (a recreated
    /// topic, or another cluster, starts again below them, and its new rows would be skipped as
    /// written), and the first row it has yet to write must still be there (retention may have
    /// removed it). Either way rows would be lost without a word, so the stream stops instead.
    /// </summary>
    private void CheckStillOnTopic(TopicPartitionOffset start)
    {
        var partition = start.Partition.Value;
        var marks = Marks(partition);
        if (_ledger.CommittedNextOf(partition) is { } next && next > marks.High.Value)
            throw new FxException($"{_topic}[{partition}]: the table state says offsets up to {next} are in the table, but the partition ends at {marks.High.Value}: " +
                "the topic was recreated or is another cluster's, and its new rows would be skipped. Stream it into a new lake, or remove the stream's \"offsets\" from the table state to read it from the beginning");
        if (start.Offset.Value < marks.Low.Value)
            throw new FxException($"{_topic}[{partition}]: the stream resumes at offset {start.Offset.Value}, but the partition now starts at {marks.Low.Value} (retention removed rows it had not written); " +
                "those rows are lost to the stream. Give the topic a longer retention; to go on without them, remove the stream's \"offsets\" entry for this partition from the table state");
    }

    private WatermarkOffsets Marks(int partition)
    {
        try
        {
            return _consumer.QueryWatermarkOffsets(new TopicPartition(_topic, partition), TimeSpan.FromSeconds(30));
        }
        catch (KafkaException ex)
        {
            throw new FxException($"{_topic}[{partition}]: cannot read its offsets ({ex.Error.Reason})", ex);
        }
    }

    public void Dispose()
    {
        try
        {
            _consumer.Close();
        }
        catch (KafkaException)
        {
            // Leaving the group is a courtesy; the table state holds the offsets.
        }
        _consumer.Dispose();
    }
}
