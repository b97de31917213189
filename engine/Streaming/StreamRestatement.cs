using FxEngine.Data;
using FxEngine.Sources.Transactions;
using FxEngine.Storage;
using FxEngine.Table;
using FxEngine.Transforms;
using Parquet;
using Parquet.Schema;

namespace FxEngine.Streaming;

/// <summary>
/// Restates a partition the stream already committed when the rates its day resolves to have
/// changed since (a snapshot that arrived after the grace period, a day's closing snapshot after
/// its provisional one): each of its stream files, output and rejects, is read back, its input
/// columns taken as the text they came in as (the date from the folder), converted again with
/// the current rates, and written as a new file that replaces the old one in one commit. One
/// row group at a time, so memory stays within a row group's rows however large the day. Batch runs restate their own files
/// the same way from their inputs; between them, every row of a day follows its latest rates.
/// </summary>
internal sealed class StreamRestatement(StreamTable table, StreamColumns columns, ColumnMapping mapping, int compactAfterFiles, Action<string> log)
{
    /// <summary>Partitions already reported as not restatable, so each is said once.</summary>
    private readonly HashSet<string> _notRestated = new(StringComparer.Ordinal);

    /// <summary>
    /// Restates every committed partition whose day now resolves to other rates than its rows
    /// were converted with, as long as the rates still hold every snapshot those rows used, and
    /// compacts the partitions that gathered many files and that the last flush did not touch
    /// (<paramref name="touched"/>): one commit per partition. Returns the state after them.
    /// </summary>
    public async Task<StreamState> RunAsync(StreamState state, RateTable rates, RateFingerprint fingerprints, IReadOnlySet<string> touched,
        CancellationToken cancellationToken)
    {
        foreach (var (partition, restate) in Due(state, rates, fingerprints, touched))
        {
            if (cancellationToken.IsCancellationRequested)
                break;
            var id = $"{DateTimeOffset.UtcNow:yyyyMMdd'T'HHmmss'Z'}-{Guid.NewGuid().ToString("N")[..8]}";
            var written = state;
            StreamFlushFiles? files = null;
            NormalizedStats? result = null;
            state = (await table.CommitAsync(id, async token =>
            {
                (files, result) = partition == TableState.Undated
                    ? await StageUndatedAsync(id, token).ConfigureAwait(false)
                    : await StageAsync(partition, rates, id, token).ConfigureAwait(false);
                return files;
            }, current =>
            {
                var (converted, stale, rejected) = result!.Counts.All.GetValueOrDefault(partition);
                var stream = current?.Stream ?? written;
                var partitions = new SortedDictionary<string, PartitionState>(stream.Partitions, StringComparer.Ordinal)
                {
                    [partition] = new PartitionState
                    {
                        Rates = fingerprints.Of(partition), RateWindow = partition == TableState.Undated ? null : RateWindow.Of(rates, partition), RunId = id,
                        RowsOut = converted, StaleRows = stale, RowsRejected = rejected, Files = 1,
                    },
                };
                return stream with { Partitions = partitions, LastCommitAt = DateTimeOffset.UtcNow };
            }, cancellationToken).ConfigureAwait(false)).Stream!;
            var (converted, stale, rejected) = result!.Counts.All.GetValueOrDefault(partition);
            log(restate
                ? $"{partition}: restated {converted + rejected:N0} streamed row(s) with the rates that arrived since ({stale:N0} stale, {rejected:N0} rejected now)"
                : $"{partition}: compacted {files!.RemoveOutput.Count + files.RemoveRejects.Count} streamed file(s)");
        }
        return state;
    }

    private List<(string Partition, bool Restate)> Due(StreamState state, RateTable rates, RateFingerprint fingerprints, IReadOnlySet<string> touched)
    {
        var due = new List<(string Partition, bool Restate)>();
        foreach (var (partition, recorded) in state.Partitions)
        {
            // Undated rows (invalid dates and messages) depend on no rates: they are only compacted.
            if (partition == TableState.Undated || recorded.Rates == fingerprints.Of(partition))
            {
                if (recorded.Files > compactAfterFiles && !touched.Contains(partition))
                    due.Add((partition, false));
            }
            else if (RateWindow.Covers(RateWindow.Of(rates, partition), recorded.RateWindow))
                due.Add((partition, true));
            else if (_notRestated.Add(partition))
                log($"{partition}: its streamed rows were converted with snapshots the rates topic no longer holds ({recorded.RateWindow}); they are kept as they are. " +
                    "Keep the rates topic compacted with no retention limit, so every snapshot stays");
        }
        return due;
    }

    /// <summary>Stages the partition's rows converted with <paramref name="rates"/> as one file per location; the result names the files it replaces.</summary>
    private async Task<(StreamFlushFiles Files, NormalizedStats Stats)> StageAsync(string partition, RateTable rates, string flush, CancellationToken cancellationToken)
    {
        var day = DateOnly.ParseExact(partition, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var folder = OutputSchema.PartitionFolder(day);
        var normalizer = new BatchNormalizer(rates, mapping);
        var added = OutputSchema.AddedColumns(rates.Target); // read back as the normalizer makes them anew
        var counts = new PartitionCounts();
        var stats = new NormalizeStats();
        var (removeOutput, removeRejects) = (new List<string>(), new List<string>());
        // Every file of the partition into one new file per location: a restatement also compacts.
        await using var staging = table.Stage(flush);
        foreach (var (store, replaced) in new[] { (table.Output, removeOutput), (table.Rejects, removeRejects) })
            foreach (var key in await StreamTable.FilesAsync(store, folder, cancellationToken).ConfigureAwait(false))
            {
                replaced.Add(key);
                // A row group at a time: a compacted day is one file, and its rows need not all be held at once.
                await foreach (var batch in ReadAsTextAsync(store, key, columns.Names, TableState.PartitionOf(day), added, cancellationToken).ConfigureAwait(false))
                {
                    NormalizedBatch normalized;
                    using (batch)
                        normalized = normalizer.Normalize(batch);
                    stats.Merge(normalized.Stats);
                    foreach (var (date, rows) in normalized.Partitions)
                        counts.Converted(date, rows);
                    foreach (var (_, rows) in normalized.Rejects)
                        counts.Rejected(partition, rows.RowCount);
                    // The writers own the batches from here, and give their buffers back once encoded.
                    await staging.AddAsync(normalized, null, cancellationToken).ConfigureAwait(false);
                }
            }
        var files = await staging.CompleteAsync(cancellationToken).ConfigureAwait(false) with { RemoveOutput = removeOutput, RemoveRejects = removeRejects };
        return (files, new NormalizedStats(counts, stats));
    }

    /// <summary>
    /// The undated rejects' files as one: their rows as they are (reason and detail included),
    /// in today's column layout (a column a file predates is null in its rows).
    /// </summary>
    private async Task<(StreamFlushFiles Files, NormalizedStats Stats)> StageUndatedAsync(string flush, CancellationToken cancellationToken)
    {
        var layout = columns.Names.Where(n => n != OutputSchema.PartitionColumn).Append(OutputSchema.ReasonColumn).Append(OutputSchema.DetailColumn).ToList();
        var counts = new PartitionCounts();
        var removeRejects = new List<string>();
        var none = new NormalizedBatch([], [], new NormalizeStats());
        await using var staging = table.Stage(flush);
        foreach (var key in await StreamTable.FilesAsync(table.Rejects, OutputSchema.PartitionFolder(null), cancellationToken).ConfigureAwait(false))
        {
            removeRejects.Add(key);
            await foreach (var batch in ReadAsTextAsync(table.Rejects, key, layout, null, [], cancellationToken).ConfigureAwait(false))
            {
                counts.Rejected(TableState.Undated, batch.RowCount);
                await staging.AddAsync(none, batch, cancellationToken).ConfigureAwait(false);
            }
        }
        var files = await staging.CompleteAsync(cancellationToken).ConfigureAwait(false) with { RemoveOutput = [], RemoveRejects = removeRejects };
        return (files, new NormalizedStats(counts, new NormalizeStats()));
    }

    /// <summary>
    /// A stream file's rows, a row group at a time, as untyped text batches of the columns
    /// <paramref name="names"/>: the date column is <paramref name="dayText"/> when given (the
    /// folder's date stands for it), a column in <paramref name="skip"/> or not in the file is null.
    /// </summary>
    private static async IAsyncEnumerable<ColumnBatch> ReadAsTextAsync(IObjectStore store, string key, IReadOnlyList<string> names, string? dayText,
        IReadOnlyCollection<string> skip, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var origin = store.Describe(key);
        await using var stream = await store.OpenReadAsync(key, cancellationToken).ConfigureAwait(false);
        await using var reader = await ParquetReader.CreateAsync(stream, InputDiscovery.ReadOptions, leaveStreamOpen: false, cancellationToken).ConfigureAwait(false);
        var fields = reader.Schema.GetDataFields().Where(f => !skip.Contains(f.Name) && names.Contains(f.Name)).ToList();
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            var rowGroupOrigin = $"{origin} row group {g}";
            var text = new List<Column>(names.Count);
            using (var rowGroup = reader.OpenRowGroupReader(g))
            using (var batch = await ColumnBatch.ReadAsync(rowGroup, fields, rowGroupOrigin, cancellationToken).ConfigureAwait(false))
                foreach (var name in names)
                {
                    var column = batch.Find(name);
                    var values = new string?[batch.RowCount];
                    for (var row = 0; row < values.Length; row++)
                        values[row] = dayText is not null && name == OutputSchema.PartitionColumn ? dayText : column is null ? null : RawText.Of(column, row);
                    text.Add(new StringColumn(new DataField<string>(name, nullable: name != OutputSchema.ReasonColumn), values));
                }
            yield return new ColumnBatch(rowGroupOrigin, text, untyped: true);
        }
    }
}

/// <summary>Rows per partition and the totals of a restatement.</summary>
internal sealed record NormalizedStats(PartitionCounts Counts, NormalizeStats Stats);
