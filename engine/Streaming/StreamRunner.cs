using System.Diagnostics;
using Confluent.Kafka;
using FxEngine.Data;
using FxEngine.Jobs;
using FxEngine.Kafka;
using FxEngine.Table;
using FxEngine.Transforms;
using Parquet.Schema;

using Ranges = System.Collections.Generic.SortedDictionary<int, System.Collections.Generic.List<long[]>>;

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
    private static readonly TimeSpan ProgressEvery = TimeSpan.FromSeconds(5);
    private static readonly IReadOnlySet<string> NoPartitions = new HashSet<string>();

    private readonly StreamOptions _options;
    private readonly KafkaSettings _kafka;
    private readonly StreamTable _table;
    private readonly Action<string> _log;
    private readonly Action<StreamProgress>? _progress;
    private readonly Action<StreamCommit>? _committed;
    private readonly OffsetLedger _ledger;
    private readonly StreamColumns _columns;
    private readonly TransactionDecoder _decoder;
    private readonly StreamBatches _batches;
    private readonly LiveRates _rates;
    private readonly RatesFeed _ratesFeed;
    private readonly TransactionsFeed _transactions;
    private readonly RateWaitBuffer _waiting = new();
    private readonly List<StreamRow> _ready = [];
    private readonly StreamRestatement _restatement;
    private readonly IProducer<byte[]?, byte[]?> _producer;
    private readonly DeadLetters _deadLetters;
    private readonly OutputTopic? _output;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private RateFingerprint? _fingerprints;
    private StreamState? _state;

    /// <summary>With an output topic: rows the last stop left unconfirmed there, until they are published again.</summary>
    private Ranges? _toRepublish;

    /// <summary>With an output topic: rows this run committed whose delivery is not confirmed (a publish a stop interrupted).</summary>
    private Ranges _unconfirmed = [];

    private bool _toldRepublishWaits;
    private long _rowsIn, _rowsOut, _rowsRejected, _deadLettered, _skipped, _rateMark;
    private int _flushes;
    private TimeSpan _lastFlush, _lastProgress;

    public StreamRunner(StreamOptions options, KafkaSettings kafka, StreamTable table, StreamState? state, Action<string> log,
        Action<StreamProgress>? progress, Action<StreamCommit>? committed)
    {
        (_options, _kafka, _table, _state, _log, _progress, _committed) = (options, kafka, table, state, log, progress, committed);
        _ledger = OffsetLedger.From(state);
        _columns = new StreamColumns(state?.Columns ?? []);
        _decoder = new TransactionDecoder(_columns, options.Columns, options.TargetCode);
        _batches = new StreamBatches(_columns, options.Topic, numbered: options.OutputTopic is not null);
        _rates = new LiveRates(options.TargetCode, options.MaxStaleDays);
        _restatement = new StreamRestatement(table, _columns, options.Columns, options.CompactAfterFiles, log);
        _ratesFeed = new RatesFeed(kafka, options.RatesTopic, log);
        try
        {
            _transactions = new TransactionsFeed(kafka, _ledger, log);
            _producer = new ProducerBuilder<byte[]?, byte[]?>(kafka.Producer()).Build();
        }
        catch
        {
            _transactions?.Dispose();
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
                _log($"{_options.RatesTopic}: not at its end after 30 s; starting with {_rates.Count} snapshot(s)");
                break;
            }
        }
        _log($"rates: {_rates.Count} snapshot(s) from {_options.RatesTopic}");
        // A batch run refuses to start without rates; so does a --once stream, which has nothing to wait for them with.
        if (_options.Once && _rates.Table is null)
            throw new FxException($"{_options.RatesTopic}: no rate snapshots on the rates topic, so no transaction can be converted; publish rates first (fxengine produce)");
        _toRepublish = _state?.Unpublished is { Count: > 0 } unpublished ? unpublished : null;
        await RepublishAsync(cancellationToken).ConfigureAwait(false);
        await RestateAsync(NoPartitions, cancellationToken).ConfigureAwait(false);
        _transactions.RefreshAssignment();
        var end = _options.Once ? _transactions.EndOffsets() : null;
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
        // What was delivered need not be published again on the next start; what was not stays named.
        if (_output is not null && _state is { } last && Count(last.Unpublished) != Count(Unconfirmed()))
            _state = (await _table.UpdateAsync(s => s with { Unpublished = Unconfirmed() }, CancellationToken.None).ConfigureAwait(false)).Stream;
        return new StreamResult(_rowsIn, _rowsOut, _rowsRejected, _deadLettered, _skipped, _flushes);
    }

    /// <summary>One turn of the loop; true when --once has read everything it came for and committed it.</summary>
    private async Task<bool> StepAsync(Dictionary<int, long>? end, CancellationToken cancellationToken)
    {
        // While paused nothing else blocks, so the turn waits on the rates topic instead of spinning.
        var arrived = _ratesFeed.Poll(_rates, _transactions.Paused ? TimeSpan.FromMilliseconds(200) : TimeSpan.Zero);
        await RepublishAsync(cancellationToken).ConfigureAwait(false);
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
        _transactions.RefreshAssignment();
        return false;
    }

    private void ConsumeSlice(CancellationToken cancellationToken)
    {
        var timeout = TimeSpan.FromMilliseconds(100);
        for (var i = 0; i < SliceMessages && !cancellationToken.IsCancellationRequested; i++, timeout = TimeSpan.Zero)
        {
            if (_waiting.Count >= _options.MaxWaitingRows || _ready.Count >= 2L * _options.MaxBufferedRows)
                return; // full: Backpressure pauses the partitions before any more is read
            if (_transactions.Consume(timeout) is not { } result)
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
                _deadLetters.Send(result, RejectReason.InvalidMessage, problem, cancellationToken);
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
        if (!_transactions.Paused && full)
        {
            _transactions.Pause();
            _log($"{_waiting.Count:N0} rows wait for rates, {_ready.Count:N0} converted rows wait for a flush: consumption paused until their rates arrive or their grace ends");
        }
        else if (_transactions.Paused && drained)
            _transactions.Resume();
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
        using (var batch = _batches.Transactions(rows, $"{_options.Topic} flush {flush}"))
            normalized = normalizer.Normalize(batch);
        var messages = _output?.Take(rows, ref normalized);
        var counts = new PartitionCounts();
        foreach (var (date, part) in normalized.Partitions)
            counts.Converted(date, part);
        foreach (var (date, part) in normalized.Rejects)
            counts.Rejected(date is { } day ? TableState.PartitionOf(day) : TableState.Undated, part.RowCount);
        if (invalid.Count > 0)
            counts.Rejected(TableState.Undated, invalid.Count);
        // The writers own the batches once staged, and give their buffers back once encoded.

        var written = _ready.Select(r => (r.Partition, r.Offset)).ToList();
        var offsets = _ledger.After(written);
        var invalidBatch = invalid.Count == 0 ? null : _batches.Invalid(invalid);
        var earlier = _unconfirmed;
        _state = (await _table.CommitAsync(flush, token => _table.StageAsync(flush, normalized, invalidBatch, token),
            current => Next(current?.Stream ?? _state, offsets, counts, flush, rates, written), cancellationToken).ConfigureAwait(false)).Stream;
        if (_output is not null)
            _unconfirmed = Combine(earlier, RangesOf(written));
        _ledger.Committed(offsets, written);
        _committed?.Invoke(new StreamCommit(flush, DateTimeOffset.UtcNow, written));
        _flushes++;
        _rowsOut += normalized.Stats.RowsOut;
        _rowsRejected += normalized.Stats.RowsRejected + invalid.Count;
        _ready.Clear();
        _transactions.CommitGroupOffsets();
        // After the commit: a row on the output topic is always in the lake (a stop before delivery publishes it again on restart).
        if (messages is not null)
        {
            _output!.Publish(messages, cancellationToken);
            _unconfirmed = earlier;
        }
        return counts.All.Keys.ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Restates and compacts what is due (see <see cref="StreamRestatement"/>), against the whole rates topic only.</summary>
    private async Task RestateAsync(IReadOnlySet<string> touched, CancellationToken cancellationToken)
    {
        // A table built from part of the rates topic would restate good rows.
        if (_rates.Table is { } rates && _state is not null && _ratesFeed.CaughtUp)
            _state = await _restatement.RunAsync(_state, rates, Fingerprints(rates), touched, cancellationToken).ConfigureAwait(false);
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
            // This flush's rows, and any not confirmed yet: the last stop's not yet published again, and a publish a stop interrupted.
            Unpublished = _output is null ? [] : Combine(Unconfirmed(), RangesOf(written)),
        };
    }

    /// <summary>Rows in the lake whose delivery to the output topic is not confirmed.</summary>
    private Ranges Unconfirmed() => Combine(_toRepublish ?? [], _unconfirmed);

    private static Ranges RangesOf(IEnumerable<(int Partition, long Offset)> offsets) =>
        new(offsets.GroupBy(o => o.Partition).ToDictionary(g => g.Key, g => OffsetLedger.Merge(g.Select(o => new[] { o.Offset, o.Offset + 1 }))));

    private static Ranges Combine(Ranges a, Ranges b) =>
        new(a.Keys.Union(b.Keys).ToDictionary(p => p, p => OffsetLedger.Merge(a.GetValueOrDefault(p, []).Concat(b.GetValueOrDefault(p, [])))));

    private static long Count(Ranges ranges) => ranges.Values.Sum(r => r.Sum(x => x[1] - x[0]));

    /// <summary>
    /// With an output topic, publishes again the rows of the last flush whose delivery was not
    /// confirmed before the previous stop, converted with today's rates (the lake already holds
    /// them; they are not written again). Until the whole rates topic is read it waits, and is
    /// tried again on every turn of the loop.
    /// </summary>
    private async Task RepublishAsync(CancellationToken cancellationToken)
    {
        if (_toRepublish is not { } toRepublish)
            return;
        var count = Count(toRepublish);
        if (_output is not null && (_rates.Table is null || !_ratesFeed.CaughtUp))
        {
            if (!_toldRepublishWaits)
                _log($"{_options.Topic}: {count:N0} row(s) of the last flush wait to be published again until the whole rates topic is read");
            _toldRepublishWaits = true;
            return;
        }
        if (_output is null)
            _log($"{_options.Topic}: {count:N0} row(s) of the last flush were not confirmed on the output topic before the last stop; no --output-topic now, so they are not published");
        else
        {
            var published = _output.Republish(toRepublish, _kafka, _decoder, _batches, _rates.Table!, _options.Columns, cancellationToken);
            _log($"{_output.Topic}: published again {published:N0} row(s) of the last flush, not confirmed before the last stop");
        }
        _toRepublish = null;
        _state = (await _table.UpdateAsync(s => s with { Unpublished = Unconfirmed() }, cancellationToken).ConfigureAwait(false)).Stream;
    }

    private void Report(bool force)
    {
        var now = _clock.Elapsed;
        if (_progress is null || (!force && now - _lastProgress < ProgressEvery))
            return;
        var seconds = Math.Max((now - _lastProgress).TotalSeconds, 0.001);
        var committed = _rowsOut + _rowsRejected;
        var rate = (committed - _rateMark) / seconds;
        (_lastProgress, _rateMark) = (now, committed);
        _progress(new StreamProgress(_rowsIn, committed, rate, _transactions.Lag(), _waiting.Count, _waiting.Days.OrderBy(d => d.Day).Take(3).ToList(),
            _state?.LastCommitAt, _transactions.Paused));
    }

    public void Dispose()
    {
        _transactions.Dispose();
        _producer.Flush(TimeSpan.FromSeconds(10));
        _producer.Dispose();
        _ratesFeed.Dispose();
    }
}
