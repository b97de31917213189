using System.Diagnostics;
using Confluent.Kafka;
using FxEngine.Data;
using FxEngine.Jobs;
using FxEngine.Kafka;
using FxEngine.Table;
using FxEngine.Transforms;
using Parquet.Schema;

namespace FxEngine.Streaming;

/// <summary>
/// The stream's loop, on one thread: take the rates that arrived, consume a slice of
/// transactions (each is ready when its day has a snapshot, else it waits), release rows whose
/// grace ended, pause the consumer while the wait buffer is full, and flush on the interval
/// (or when the buffer of ready rows is full). A flush converts the ready rows with the rates
/// table of that moment and commits them with their offsets (<see cref="StreamTable"/>).
/// </summary>
internal sealed class StreamRunner : IDisposable
{
    private const int SliceMessages = 5_000;

    /// <summary>A partition no flush touched lately is compacted into one file once it has this many.</summary>
    private const int CompactAfterFiles = 64;
    private static readonly TimeSpan ProgressEvery = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan PartitionRefresh = TimeSpan.FromSeconds(30);

    private readonly StreamOptions _options;
    private readonly KafkaSettings _kafka;
    private readonly StreamTable _table;
    private readonly Action<string> _log;
    private readonly Action<StreamProgress>? _progress;
    private readonly Action<StreamCommit>? _committed;
    private readonly OffsetLedger _ledger;
    private readonly StreamColumns _columns;
    private readonly TransactionDecoder _decoder;
    private readonly LiveRates _rates;
    private readonly RatesFeed _ratesFeed;
    private readonly RateWaitBuffer _waiting = new();
    private readonly StreamRestatement _restatement;
    private readonly OutputTopic? _output;
    private RateFingerprint? _fingerprints;
    private readonly HashSet<string> _notRestated = new(StringComparer.Ordinal);
    private static readonly IReadOnlySet<string> NoPartitions = new HashSet<string>();
    private readonly List<StreamRow> _ready = [];
    private readonly IConsumer<byte[]?, byte[]?> _consumer;
    private readonly IProducer<byte[]?, byte[]?> _producer;
    private readonly DeadLetters _deadLetters;
    private readonly HashSet<int> _assigned = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private StreamState? _state;
    private bool _paused;
    private long _rowsIn, _rowsOut, _rowsRejected, _deadLettered, _skipped, _committedRows, _rateMark;
    private int _flushes;
    private TimeSpan _lastFlush, _lastProgress, _partitionsRefreshed = -PartitionRefresh;

    public StreamRunner(StreamOptions options, KafkaSettings kafka, StreamTable table, StreamState? state, Action<string> log,
        Action<StreamProgress>? progress, Action<StreamCommit>? committed)
    {
        (_options, _kafka, _table, _state, _log, _progress, _committed) = (options, kafka, table, state, log, progress, committed);
        _ledger = OffsetLedger.From(state);
        _columns = new StreamColumns(state?.Columns ?? []);
        _decoder = new TransactionDecoder(_columns, options.Columns, options.TargetCode);
        _rates = new LiveRates(options.TargetCode, options.MaxStaleDays);
        _restatement = new StreamRestatement(table, _columns, options.Columns);
        _ratesFeed = new RatesFeed(kafka, options.RatesTopic, log);
        try
        {
            var consumer = kafka.Consumer();
            // A position past retention must stop the stream, not jump silently to the partition's start or end.
            consumer.AutoOffsetReset = AutoOffsetReset.Error;
            _consumer = new ConsumerBuilder<byte[]?, byte[]?>(consumer).Build();
            _producer = new ProducerBuilder<byte[]?, byte[]?>(kafka.Producer()).Build();
        }
        catch
        {
            _consumer?.Dispose();
            _ratesFeed.Dispose();
            throw;
        }
        _deadLetters = new DeadLetters(_producer, kafka.DeadLetter, log);
        if (options.OutputTopic is { } topic)
            _output = new OutputTopic(_producer, topic, _columns, OutputSchema.AmountColumn(options.TargetCode));
    }

    public async Task<StreamResult> RunAsync(CancellationToken cancellationToken)
    {
        // Rates first, to the end of the topic: transactions of days it already has need not wait.
        while (!_ratesFeed.CaughtUp && !cancellationToken.IsCancellationRequested)
        {
            _ratesFeed.Poll(_rates, TimeSpan.FromMilliseconds(200));
            if (!_ratesFeed.Exists)
            {
                _log($"{_options.RatesTopic}: the rates topic does not exist yet; transactions wait for their rates (up to --grace)");
                break;
            }
            if (_clock.Elapsed > TimeSpan.FromSeconds(30) && !_ratesFeed.CaughtUp)
            {
                _log($"{_options.RatesTopic}: not at its end after 30 s (or the topic does not exist yet); starting with {_rates.Count} snapshot(s)");
                break;
            }
        }
        _log($"rates: {_rates.Count} snapshot(s) from {_options.RatesTopic}");
        await RepublishAsync(cancellationToken).ConfigureAwait(false);
        await RestateAsync(NoPartitions, cancellationToken).ConfigureAwait(false);
        RefreshPartitions();
        var end = _options.Once ? EndOffsets() : null;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    if (await StepAsync(end, cancellationToken).ConfigureAwait(false))
                        break;
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    break; // a signal mid-step: what is ready is committed below
                }
            }
            if (cancellationToken.IsCancellationRequested && _ready.Count > 0)
            {
                // Stopped by a signal: commit what is converted; rows still waiting are read again on the next start.
                _log(_rates.Table is null
                    ? $"stopping: no rates yet, so {_ready.Count + _waiting.Count:N0} row(s) are read again on the next start"
                    : $"stopping: committing {_ready.Count:N0} converted row(s); {_waiting.Count:N0} waiting for rates are read again on the next start");
                if (_rates.Table is not null)
                    await FlushAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        finally
        {
            Report(force: true);
        }
        if (_state?.Unpublished.Count > 0 && _output is not null)
            _state = (await _table.UpdateAsync(s => s with { Unpublished = [] }, CancellationToken.None).ConfigureAwait(false)).Stream; // delivered: a restart need not publish them again
        return new StreamResult(_rowsIn, _rowsOut, _rowsRejected, _deadLettered, _skipped, _flushes);
    }

    /// <summary>One turn of the loop; true when --once has read everything it came for and committed it.</summary>
    private async Task<bool> StepAsync(Dictionary<int, long>? end, CancellationToken cancellationToken)
    {
        // While paused nothing else blocks, so the turn waits on the rates topic instead of spinning.
        var arrived = _ratesFeed.Poll(_rates, _paused ? TimeSpan.FromMilliseconds(200) : TimeSpan.Zero);
        foreach (var day in arrived)
            _ready.AddRange(_waiting.Release(day.DayNumber));
        if (arrived.Count > 0)
            await RestateAsync(NoPartitions, cancellationToken).ConfigureAwait(false);
        ConsumeSlice(cancellationToken);
        _ready.AddRange(_waiting.Expire(Environment.TickCount64 - (long)_options.Grace.TotalMilliseconds));
        Backpressure();
        if (end is not null && end.All(e => _ledger.PositionOf(e.Key) >= e.Value))
        {
            // --once: caught up with the end seen at start; what still waits takes the as-of rule now.
            _ready.AddRange(_waiting.ReleaseAll());
            await FlushAsync(CancellationToken.None).ConfigureAwait(false);
            return true;
        }
        // Without any rates nothing can be converted: rows are held (and the consumer pauses when they fill up).
        if (_rates.Table is not null && (_ready.Count >= _options.MaxBufferedRows || (_ready.Count > 0 && _clock.Elapsed - _lastFlush >= _options.FlushEvery)))
            await RestateAsync(await FlushAsync(cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        Report(force: false);
        RefreshPartitions();
        return false;
    }

    private void ConsumeSlice(CancellationToken cancellationToken)
    {
        var timeout = TimeSpan.FromMilliseconds(100);
        for (var i = 0; i < SliceMessages && !cancellationToken.IsCancellationRequested; i++, timeout = TimeSpan.Zero)
        {
            if (_waiting.Count >= _options.MaxWaitingRows || _ready.Count >= 2L * _options.MaxBufferedRows)
                return; // full: Backpressure pauses the partitions before any more is read
            ConsumeResult<byte[]?, byte[]?>? result;
            try
            {
                result = _consumer.Consume(timeout);
            }
            catch (ConsumeException ex)
            {
                throw new FxException($"{_options.Topic}: consuming failed ({ex.Error.Reason}); nothing past the last commit is lost, a restart resumes there", ex);
            }
            if (result is null)
                return;
            var partition = result.Partition.Value;
            if (result.IsPartitionEOF)
            {
                _ledger.Reached(partition, result.Offset.Value);
                continue;
            }
            if (!_ledger.Consume(partition, result.Offset.Value))
            {
                _skipped++; // in the table already: read again only to reach a row that was waiting
                continue;
            }
            _rowsIn++;
            var row = _decoder.Decode(partition, result.Offset.Value, result.Message.Key, result.Message.Value, ProducedAt(result.Message.Timestamp));
            if (row.Problem is { } problem)
            {
                var origin = $"{result.Topic}[{partition}]@{result.Offset.Value}";
                _deadLetters.Send(result, RejectReason.InvalidMessage, problem, origin, cancellationToken);
                _deadLettered++;
                _ready.Add(row);
            }
            else if (row.Day == KeyColumns.NoDay || _rates.Has(DateOnly.FromDayNumber(row.Day)))
                _ready.Add(row);
            else
                _waiting.Add(row);
        }
    }

    /// <summary>
    /// When a message was produced, on the clock the grace period runs on: a row read again after
    /// a restart does not start its grace over. (Expiry walks rows in arrival order, so a row behind
    /// a younger one from another partition leaves with it, a little late, never early.)
    /// </summary>
    private static long ProducedAt(Timestamp timestamp)
    {
        var now = Environment.TickCount64;
        if (timestamp.Type == TimestampType.NotAvailable)
            return now;
        var age = (long)(DateTime.UtcNow - timestamp.UtcDateTime).TotalMilliseconds;
        return now - Math.Max(0, age);
    }

    /// <summary>
    /// Pauses the transactions while the wait buffer is full, or while converted rows cannot be
    /// flushed (no rates at all yet); resumes once both drain below nine tenths. --once does not
    /// pause: it would apply the as-of rule to every waiting row at its end anyway, so the oldest
    /// tenth takes it now.
    /// </summary>
    private void Backpressure()
    {
        if (_options.Once && _waiting.Count >= _options.MaxWaitingRows)
            _ready.AddRange(_waiting.ExpireOldest(_options.MaxWaitingRows / 10 + 1));
        var full = _waiting.Count >= _options.MaxWaitingRows || _ready.Count >= 2L * _options.MaxBufferedRows;
        var drained = _waiting.Count < _options.MaxWaitingRows * 9L / 10 && _ready.Count < _options.MaxBufferedRows;
        var assignment = _consumer.Assignment;
        if (!_paused && full)
        {
            _consumer.Pause(assignment);
            _paused = true;
            _log($"{_waiting.Count:N0} rows wait for rates, {_ready.Count:N0} converted rows wait for a flush: consumption paused until their rates arrive or their grace ends");
        }
        else if (_paused && drained)
        {
            _consumer.Resume(assignment);
            _paused = false;
        }
    }

    /// <summary>Converts and commits the ready rows, with the offsets they complete; returns the partitions it touched.</summary>
    private async Task<IReadOnlySet<string>> FlushAsync(CancellationToken cancellationToken)
    {
        _lastFlush = _clock.Elapsed;
        if (_ready.Count == 0)
            return new HashSet<string>();
        if (_rates.Table is not { } rates)
        {
            throw new FxException($"{_options.RatesTopic}: no rate snapshot at all, so {_ready.Count:N0} transaction(s) cannot be converted; nothing was committed");
        }
        var flush = $"{DateTimeOffset.UtcNow:yyyyMMdd'T'HHmmss'Z'}-{Guid.NewGuid().ToString("N")[..8]}";
        foreach (var key in new[] { _options.Columns.Date, _options.Columns.Currency, _options.Columns.Amount })
            _columns.IndexOf(key);
        var rows = _ready.Where(r => r.Problem is null).ToList();
        var invalid = _ready.Where(r => r.Problem is not null).ToList();
        var normalizer = new BatchNormalizer(rates, _options.Columns);
        NormalizedBatch normalized;
        using (var batch = Batch(rows, flush))
            normalized = normalizer.Normalize(batch);
        var messages = _output?.Take(rows, ref normalized);
        using var invalidBatch = invalid.Count == 0 ? null : InvalidBatch(invalid);
        var files = await _table.StageAsync(flush, normalized, invalidBatch, cancellationToken).ConfigureAwait(false);

        var counts = new PartitionCounts();
        foreach (var (date, part) in normalized.Partitions)
            counts.Converted(date, part);
        foreach (var (date, part) in normalized.Rejects)
            counts.Rejected(date is { } day ? TableState.PartitionOf(day) : TableState.Undated, part.RowCount);
        if (invalid.Count > 0)
            counts.Rejected(TableState.Undated, invalid.Count);
        DisposeAll(normalized);

        var written = _ready.Select(r => (r.Partition, r.Offset)).ToList();
        var offsets = _ledger.After(written);
        _state = (await _table.CommitAsync(files, current => Next(current?.Stream ?? _state, offsets, counts, flush, rates, written), cancellationToken).ConfigureAwait(false)).Stream;
        _ledger.Committed(offsets, written);
        _committed?.Invoke(new StreamCommit(flush, DateTimeOffset.UtcNow, written));
        _flushes++;
        _committedRows += _ready.Count;
        _rowsOut += normalized.Stats.RowsOut;
        _rowsRejected += normalized.Stats.RowsRejected + invalid.Count;
        _ready.Clear();
        CommitGroupOffsets();
        // After the commit: a row on the output topic is always in the lake (a stop before delivery publishes it again on restart).
        if (messages is not null)
            _output!.Publish(messages, cancellationToken);
        return counts.All.Keys.ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>
    /// Restates every committed partition whose day now resolves to other rates than its rows
    /// were converted with, and compacts the partitions that gathered many files and were not
    /// touched by the last flush (<paramref name="touched"/>): one commit per partition.
    /// </summary>
    private async Task RestateAsync(IReadOnlySet<string> touched, CancellationToken cancellationToken)
    {
        // Only against the whole rates topic: a table built from part of it would restate good rows.
        if (_rates.Table is not { } rates || _state is null || !_ratesFeed.CaughtUp)
            return;
        var fingerprints = Fingerprints(rates);
        var due = new List<(string Partition, bool Restate)>();
        foreach (var (partition, state) in _state.Partitions.Where(p => p.Key != TableState.Undated))
        {
            if (state.Rates == fingerprints.Of(partition))
            {
                if (state.Files > CompactAfterFiles && !touched.Contains(partition))
                    due.Add((partition, false));
            }
            else if (RateWindow.Covers(RateWindow.Of(rates, partition), state.RateWindow))
                due.Add((partition, true));
            else if (_notRestated.Add(partition))
                _log($"{partition}: its streamed rows were converted with snapshots the rates topic no longer holds ({state.RateWindow}); they are kept as they are. " +
                     "Keep the rates topic compacted with no retention limit, so every snapshot stays");
        }
        foreach (var (partition, restate) in due)
        {
            if (cancellationToken.IsCancellationRequested)
                return;
            var id = $"{DateTimeOffset.UtcNow:yyyyMMdd'T'HHmmss'Z'}-{Guid.NewGuid().ToString("N")[..8]}";
            var (files, result) = await _restatement.StageAsync(partition, rates, id, cancellationToken).ConfigureAwait(false);
            var (converted, stale, rejected) = result.Counts.All.GetValueOrDefault(partition);
            var stored = await _table.CommitAsync(files, current =>
            {
                var stream = current?.Stream ?? _state!;
                var partitions = new SortedDictionary<string, PartitionState>(stream.Partitions, StringComparer.Ordinal)
                {
                    [partition] = new PartitionState
                    {
                        Rates = fingerprints.Of(partition), RateWindow = RateWindow.Of(rates, partition), RunId = id,
                        RowsOut = converted, StaleRows = stale, RowsRejected = rejected, Files = 1,
                    },
                };
                return stream with { Partitions = partitions, LastCommitAt = DateTimeOffset.UtcNow };
            }, cancellationToken).ConfigureAwait(false);
            _state = stored.Stream;
            _log(restate
                ? $"{partition}: restated {converted + rejected:N0} streamed row(s) with the rates that arrived since ({stale:N0} stale, {rejected:N0} rejected now)"
                : $"{partition}: compacted {files.RemoveOutput.Count + files.RemoveRejects.Count} streamed file(s)");
        }
    }

    /// <summary>The fingerprints of the current rates table, computed once per table.</summary>
    private RateFingerprint Fingerprints(RateTable rates)
    {
        if (_fingerprints?.Rates != rates)
            _fingerprints = new RateFingerprint(rates);
        return _fingerprints;
    }

    /// <summary>The stream's state after a flush: its offsets, the partitions' counts and fingerprints, and with an output topic the rows it is yet to deliver.</summary>
    private StreamState Next(StreamState? previous, SortedDictionary<int, PartitionOffsets> offsets, PartitionCounts counts, string flush, RateTable rates,
        IEnumerable<(int Partition, long Offset)> written)
    {
        var partitions = new SortedDictionary<string, PartitionState>(previous?.Partitions ?? [], StringComparer.Ordinal);
        var fingerprints = Fingerprints(rates);
        foreach (var (key, (converted, stale, rejected)) in counts.All)
        {
            // A partition whose earlier rows used other rates is left with no fingerprint: the next check restates it.
            var fingerprint = fingerprints.Of(key);
            var was = partitions.GetValueOrDefault(key);
            partitions[key] = (was ?? new PartitionState()) with
            {
                Rates = was is null || was.Rates == fingerprint ? fingerprint : "",
                RateWindow = key == TableState.Undated ? null : RateWindow.Union(was?.RateWindow, RateWindow.Of(rates, key)),
                RunId = flush, RowsOut = (was?.RowsOut ?? 0) + converted, StaleRows = (was?.StaleRows ?? 0) + stale,
                RowsRejected = (was?.RowsRejected ?? 0) + rejected, Files = (was?.Files ?? 0) + 1,
            };
        }
        return new StreamState
        {
            Topic = _options.Topic, Columns = _columns.Names.ToList(), Offsets = offsets, Partitions = partitions,
            LastFlush = flush, LastCommitAt = DateTimeOffset.UtcNow,
            // The previous flush's rows were delivered before this flush began (or the stream stopped).
            Unpublished = _output is null ? [] : Ranges(written),
        };
    }

    /// <summary>The ready rows as an untyped batch of text columns, as a CSV file's would be.</summary>
    private ColumnBatch Batch(List<StreamRow> rows, string flush)
    {
        var columns = new List<Column>(_columns.Names.Count);
        for (var c = 0; c < _columns.Names.Count; c++)
        {
            var values = new string?[rows.Count];
            for (var r = 0; r < rows.Count; r++)
                values[r] = c < rows[r].Values.Length ? rows[r].Values[c] : null;
            columns.Add(new StringColumn(new DataField<string>(_columns.Names[c], nullable: true), values));
        }
        if (_output is not null)
            columns.Add(OutputTopic.Numbered(rows.Count));
        return new ColumnBatch($"{_options.Topic} flush {flush}", columns, untyped: true);
    }

    private static SortedDictionary<int, List<long[]>> Ranges(IEnumerable<(int Partition, long Offset)> offsets) =>
        new(offsets.GroupBy(o => o.Partition).ToDictionary(g => g.Key, g => OffsetLedger.Merge(g.Select(o => new[] { o.Offset, o.Offset + 1 }))));

    /// <summary>
    /// With an output topic, publishes again the rows of the last flush whose delivery was not
    /// confirmed before the previous stop: read back from the transactions topic and converted
    /// with today's rates (the lake already holds them; they are not written again).
    /// </summary>
    private async Task RepublishAsync(CancellationToken cancellationToken)
    {
        if (_state is not { Unpublished.Count: > 0 } state)
            return;
        var count = state.Unpublished.Values.Sum(r => r.Sum(x => x[1] - x[0]));
        if (_output is null)
        {
            _log($"{_options.Topic}: {count:N0} row(s) of the last flush were not confirmed on the output topic before the last stop; no --output-topic now, so they are not published");
            _state = (await _table.UpdateAsync(s => s with { Unpublished = [] }, cancellationToken).ConfigureAwait(false)).Stream;
            return;
        }
        if (_rates.Table is not { } rates || !_ratesFeed.CaughtUp)
        {
            _log($"{_options.Topic}: {count:N0} row(s) of the last flush wait to be published again until the whole rates topic is read (next start)");
            return;
        }
        var rows = new List<StreamRow>();
        using (var reader = new ConsumerBuilder<byte[]?, byte[]?>(_kafka.Consumer()).Build())
        {
            reader.Assign(state.Unpublished.Select(p => new TopicPartitionOffset(_options.Topic, p.Key, p.Value[0][0])));
            var remaining = state.Unpublished.ToDictionary(p => p.Key, p => p.Value[^1][1]);
            while (remaining.Count > 0 && !cancellationToken.IsCancellationRequested)
            {
                var result = reader.Consume(TimeSpan.FromSeconds(30))
                    ?? throw new FxException($"{_options.Topic}: reading back the last flush's rows to publish them again timed out after 30 s; they are in the lake, and the next start tries again");
                var partition = result.Partition.Value;
                if (!remaining.TryGetValue(partition, out var until))
                    continue;
                if (result.IsPartitionEOF || result.Offset.Value + 1 >= until)
                    remaining.Remove(partition);
                if (!result.IsPartitionEOF && state.Unpublished[partition].Any(r => result.Offset.Value >= r[0] && result.Offset.Value < r[1]))
                    rows.Add(_decoder.Decode(partition, result.Offset.Value, result.Message.Key, result.Message.Value, Environment.TickCount64));
            }
        }
        var valid = rows.Where(r => r.Problem is null).ToList();
        NormalizedBatch normalized;
        using (var batch = Batch(valid, "republish"))
            normalized = new BatchNormalizer(rates, _options.Columns).Normalize(batch);
        var messages = _output.Take(valid, ref normalized);
        DisposeAll(normalized);
        _output.Publish(messages, cancellationToken);
        _log($"{_output.Topic}: published again {messages.Count:N0} row(s) of the last flush, not confirmed before the last stop");
        _state = (await _table.UpdateAsync(s => s with { Unpublished = [] }, cancellationToken).ConfigureAwait(false)).Stream;
    }

    /// <summary>Rejects of messages that are not transactions: every column null, the problem in reject_detail.</summary>
    private ColumnBatch InvalidBatch(List<StreamRow> rows)
    {
        var columns = new List<Column>();
        foreach (var name in _columns.Names.Where(n => n != OutputSchema.PartitionColumn))
            columns.Add(new StringColumn(new DataField<string>(name, nullable: true), new string?[rows.Count]));
        columns.Add(new StringColumn(new DataField<string>(OutputSchema.ReasonColumn, nullable: false), rows.Select(_ => (string?)RejectReason.InvalidMessage).ToArray()));
        columns.Add(new StringColumn(new DataField<string>(OutputSchema.DetailColumn, nullable: true),
            rows.Select(r => (string?)$"{_options.Topic}[{r.Partition}]@{r.Offset}: {r.Problem}").ToArray()));
        return new ColumnBatch($"{_options.Topic} invalid messages", columns, untyped: true);
    }

    private static void DisposeAll(NormalizedBatch normalized)
    {
        foreach (var (_, batch) in normalized.Partitions)
            batch.Dispose();
        foreach (var (_, batch) in normalized.Rejects)
            batch.Dispose();
    }

    /// <summary>The group's offsets follow the table's, for monitoring tools; a restart never reads them.</summary>
    private void CommitGroupOffsets()
    {
        try
        {
            var points = _ledger.ResumePoints().Where(p => _assigned.Contains(p.Partition))
                .Select(p => new TopicPartitionOffset(_options.Topic, p.Partition, p.Offset)).ToList();
            if (points.Count > 0)
                _consumer.Commit(points);
        }
        catch (KafkaException ex)
        {
            _log($"{_options.Topic}: committing the group's (informational) offsets failed ({ex.Error.Reason}); the table state holds the real ones");
        }
    }

    /// <summary>Assigns the topic's partitions (and any added later), each from where the table state says it resumes.</summary>
    private void RefreshPartitions()
    {
        // A topic that does not exist yet is looked for every second, so its first rows do not wait half a minute.
        if (_clock.Elapsed - _partitionsRefreshed < (_assigned.Count == 0 ? TimeSpan.FromSeconds(1) : PartitionRefresh))
            return;
        _partitionsRefreshed = _clock.Elapsed;
        var added = TopicPartitions.Of(_consumer.Handle, _options.Topic).Where(_assigned.Add).ToList();
        if (added.Count == 0)
            return;
        var starts = added.Select(p => new TopicPartitionOffset(_options.Topic, p, _ledger.StartOf(p) is { } at ? new Offset(at) : Offset.Beginning)).ToList();
        foreach (var start in starts.Where(s => s.Offset != Offset.Beginning))
            CheckStillOnTopic(start);
        _consumer.IncrementalAssign(starts);
        if (_paused)
            _consumer.Pause(starts.Select(s => s.TopicPartition));
        _log($"{_options.Topic}: reading {string.Join(", ", starts.Select(s => $"[{s.Partition.Value}] from {(s.Offset == Offset.Beginning ? "the beginning" : s.Offset.Value)}"))}");
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
        WatermarkOffsets marks;
        try
        {
            marks = _consumer.QueryWatermarkOffsets(start.TopicPartition, TimeSpan.FromSeconds(30));
        }
        catch (KafkaException ex)
        {
            throw new FxException($"{_options.Topic}[{partition}]: cannot read its offsets ({ex.Error.Reason})", ex);
        }
        if (_ledger.CommittedNextOf(partition) is { } next && next > marks.High.Value)
            throw new FxException($"{_options.Topic}[{partition}]: the table state says offsets up to {next} are in the table, but the partition ends at {marks.High.Value}: " +
                "the topic was recreated or is another cluster's, and its new rows would be skipped. Stream it into a new lake, or remove the stream's \"offsets\" from the table state to read it from the beginning");
        if (start.Offset.Value < marks.Low.Value)
            throw new FxException($"{_options.Topic}[{partition}]: the stream resumes at offset {start.Offset.Value}, but the partition now starts at {marks.Low.Value} (retention removed rows it had not written); " +
                "those rows are lost to the stream. Give the topic a longer retention; to go on without them, remove the stream's \"offsets\" entry for this partition from the table state");
    }

    /// <summary>--once: the end of each partition now; the run stops when it has read that far.</summary>
    private Dictionary<int, long> EndOffsets() =>
        _assigned.ToDictionary(p => p, p =>
        {
            try
            {
                return _consumer.QueryWatermarkOffsets(new TopicPartition(_options.Topic, p), TimeSpan.FromSeconds(30)).High.Value;
            }
            catch (KafkaException ex)
            {
                throw new FxException($"{_options.Topic}[{p}]: cannot read its end offset ({ex.Error.Reason})", ex);
            }
        });

    private void Report(bool force)
    {
        var now = _clock.Elapsed;
        if (_progress is null || (!force && now - _lastProgress < ProgressEvery))
            return;
        var seconds = Math.Max((now - _lastProgress).TotalSeconds, 0.001);
        var rate = (_committedRows - _rateMark) / seconds;
        (_lastProgress, _rateMark) = (now, _committedRows);
        var lag = new SortedDictionary<int, long>();
        foreach (var partition in _assigned)
        {
            var high = _consumer.GetWatermarkOffsets(new TopicPartition(_options.Topic, partition)).High;
            lag[partition] = high == Offset.Unset ? 0 : Math.Max(0, high.Value - _ledger.PositionOf(partition));
        }
        _progress(new StreamProgress(_rowsIn, _committedRows, rate, lag, _waiting.Count, _waiting.Days.OrderBy(d => d.Day).Take(3).ToList(), _state?.LastCommitAt, _paused));
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
        _producer.Flush(TimeSpan.FromSeconds(10));
        _producer.Dispose();
        _ratesFeed.Dispose();
    }
}
