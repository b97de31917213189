using FxEngine.Data;
using FxEngine.Storage;
using FxEngine.Transforms;
using Parquet;
using Parquet.Schema;

namespace FxEngine.Sinks;

/// <summary>
/// Parquet output in date partition folders (<c>txn_date=YYYY-MM-DD/</c>, or
/// <c>txn_date=__HIVE_DEFAULT_PARTITION__/</c> for rows without a date), one file per partition. <see cref="Add"/> and <see cref="Flush"/>
/// (one caller: the pipeline's single buffering worker) gather rows per partition and hand back
/// a <see cref="RowGroup"/> once a partition holds <c>rowGroupRows</c>, so every row group but a
/// file's last holds at least that many. Memory stays within <c>bufferBytes</c> whatever the
/// input size: past it, the largest partition's rows wait in a local spill file instead, to be
/// read back when their row group is written. Row groups are encoded by any number of callers of
/// <see cref="RowGroup.WriteAsync"/>: different partitions in parallel, one partition's one at a time.
/// A file is published (under <c>prefix</c>, the caller's staging) when its last row group, one
/// <see cref="Flush"/> handed out, is written, and <see cref="CompleteAsync"/> publishes the rest;
/// disposing publishes nothing more, and the caller's staging goes with the run. Either way the
/// spill file is deleted.
/// </summary>
internal sealed class PartitionedParquetWriter(IObjectStore store, string prefix, string fileName, int rowGroupRows, long bufferBytes, string? spillDirectory = null)
    : IAsyncDisposable
{
    // Sampling decides dictionary encoding from the first values instead of hashing a whole
    // unique column (txn_id) first; Snappy is what Spark and DuckDB write by default.
    private static readonly ParquetOptions WriteOptions = new() { CompressionMethod = CompressionMethod.Snappy, DictionaryEncodingSampleSize = 2048 };

    private readonly Dictionary<DateOnly, Partition> _partitions = [];
    private readonly SpillWriter _spillBuffer = new();
    private Partition? _undated;
    private SpillFile? _spill;
    private long _bufferedBytes;

    /// <summary>Bytes of the rows held in memory now, across partitions; at most the budget after each <see cref="Add"/>.</summary>
    public long BufferedBytes => _bufferedBytes;

    /// <summary>Bytes written to the spill file so far.</summary>
    public long SpilledBytes => _spill?.Length ?? 0;

    /// <summary>Keys of the files written.</summary>
    public IReadOnlyList<string> Files => All.Where(p => p.Written).Select(p => p.Key).ToList();

    /// <summary>Rows of one partition, due to be encoded as a row group of its file: spilled ones first, in arrival order.</summary>
    public sealed class RowGroup
    {
        private readonly SpillFile? _spill;

        internal RowGroup(Partition target, IReadOnlyList<ColumnBatch> chunks, IReadOnlyList<SpilledBatch> spilled, SpillFile? spill, bool last) =>
            (Target, Chunks, Spilled, _spill, Last) = (target, chunks, spilled, spill, last);

        internal Partition Target { get; }

        public IReadOnlyList<ColumnBatch> Chunks { get; }

        internal IReadOnlyList<SpilledBatch> Spilled { get; }

        public int Rows => Chunks.Sum(c => c.RowCount) + Spilled.Sum(s => s.Rows);

        /// <summary>Whether it is its file's last (handed out by <see cref="Flush"/>): writing it also completes the file.</summary>
        public bool Last { get; }

        public Task WriteAsync(CancellationToken cancellationToken) => Target.WriteAsync(Chunks, Spilled, _spill, Last, cancellationToken);
    }

    /// <summary>Where one spilled batch's values wait in the spill file, column by column, and the column kinds to read them back as.</summary>
    internal sealed record SpilledBatch(long Offset, int[] ColumnEnds, int Rows, Column[] Shapes)
    {
        /// <summary>One column read back: a row group is encoded column by column, so only one column of its spilled rows is in memory at a time.</summary>
        public Column LoadColumn(SpillFile spill, int column)
        {
            var start = column == 0 ? 0 : ColumnEnds[column - 1];
            var reader = new SpillReader(spill, Offset + start, ColumnEnds[column] - start);
            var loaded = Shapes[column].Load(reader, Rows);
            if (!reader.End)
                throw new InvalidDataException($"{spill.Path}: a spilled column holds more bytes than its values");
            return loaded;
        }
    }

    private IEnumerable<Partition> All => _undated is null ? _partitions.Values : _partitions.Values.Append(_undated);

    /// <summary>Buffers rows for a date partition (null: the default partition); returns the row groups now due.</summary>
    public IReadOnlyList<RowGroup> Add(DateOnly? partition, ColumnBatch rows)
    {
        if (rows.RowCount == 0)
            return [];
        var target = partition is { } date
            ? _partitions.TryGetValue(date, out var found) ? found : _partitions[date] = NewPartition($"{prefix}{OutputSchema.PartitionFolder(date)}{fileName}", rows)
            : _undated ??= NewPartition($"{prefix}{OutputSchema.PartitionFolder(null)}{fileName}", rows);
        if (!target.Fields.SequenceEqual(rows.Fields, FieldComparer.Instance))
            throw new FxException($"{rows.Origin}: its columns ({Describe(rows.Fields)}) differ from earlier input ({Describe(target.Fields)}); normalize files with different schemas in separate runs");
        // Parquet.Net writes a column only through a field attached to a schema, and chunks from
        // other readers or batches carry field objects of their own: a schema over them attaches them.
        if (!rows.Fields.SequenceEqual(target.Fields, ReferenceEqualityComparer.Instance))
            _ = new ParquetSchema(rows.Fields.ToArray());

        var bytes = rows.Bytes;
        target.Pending.Add(rows);
        target.PendingRows += rows.RowCount;
        target.PendingBytes += bytes;
        _bufferedBytes += bytes;

        var due = new List<RowGroup>();
        if (target.PendingRows + target.SpilledRows >= rowGroupRows)
            due.Add(Take(target, last: false));
        while (_bufferedBytes > bufferBytes)
            Spill(All.MaxBy(p => p.PendingBytes)!);
        return due;
    }

    /// <summary>
    /// Every buffered and spilled row, as row groups, each its file's last; called once the input
    /// is exhausted. Whoever writes one also completes its file (footer and upload), so files are
    /// completed side by side, as their row groups are written.
    /// </summary>
    public IReadOnlyList<RowGroup> Flush() => All.Where(p => p.PendingRows + p.SpilledRows > 0).Select(p => Take(p, last: true)).ToList();

    /// <summary>Writes the footer of every file not completed yet and publishes it.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        foreach (var partition in All)
            await partition.CompleteAsync(cancellationToken).ConfigureAwait(false);
        _spill?.Dispose();
    }

    /// <summary>Drops whatever was not completed: nothing half-written is published, and the spill file goes.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            foreach (var partition in All)
                await partition.DiscardAsync().ConfigureAwait(false);
        }
        finally
        {
            _spill?.Dispose();
        }
    }

    private Partition NewPartition(string key, ColumnBatch first) => new(store, key, first.Fields.ToArray());

    private RowGroup Take(Partition partition, bool last)
    {
        var group = new RowGroup(partition, partition.Pending.ToList(), partition.Spilled.ToList(), _spill, last);
        _bufferedBytes -= partition.PendingBytes;
        partition.Pending.Clear();
        partition.Spilled.Clear();
        (partition.PendingRows, partition.PendingBytes, partition.SpilledRows) = (0, 0, 0);
        return group;
    }

    /// <summary>Moves a partition's buffered rows to the spill file as one batch, in one append, and frees their memory.</summary>
    private void Spill(Partition partition)
    {
        _spill ??= new SpillFile(spillDirectory);
        var shapes = partition.Pending[0].Columns.ToArray();
        var ends = ColumnBatch.Spill(partition.Pending, _spillBuffer);
        var at = _spill.Append(_spillBuffer.Written.Span);
        partition.Spilled.Add(new SpilledBatch(at, ends, partition.PendingRows, shapes));
        foreach (var batch in partition.Pending)
            batch.Dispose();
        partition.SpilledRows += partition.PendingRows;
        _bufferedBytes -= partition.PendingBytes;
        partition.Pending.Clear();
        (partition.PendingRows, partition.PendingBytes) = (0, 0);
        // A buffer sized for a large spill is not kept between spills.
        if (_spillBuffer.Written.Length > 16 << 20)
            _spillBuffer.Reset();
        else
            _spillBuffer.Clear();
    }

    private static string Describe(IEnumerable<DataField> fields) => string.Join(", ", fields.Select(f => $"{f.Name} {Column.SqlType(f)}"));

    /// <summary>One partition's file: its pending rows, and its writer once the first row group is due.</summary>
    internal sealed class Partition(IObjectStore store, string key, DataField[] fields)
    {
        private readonly ParquetSchema _schema = new(fields.Select(WideDecimalWriter.SchemaField).ToArray());
        private readonly SemaphoreSlim _gate = new(1, 1);
        private IObjectUpload? _upload;
        private ParquetWriter? _writer;

        public string Key { get; } = key;
        public IReadOnlyList<DataField> Fields { get; } = fields;
        public List<ColumnBatch> Pending { get; } = [];
        public int PendingRows { get; set; }
        public long PendingBytes { get; set; }
        public List<SpilledBatch> Spilled { get; } = [];
        public int SpilledRows { get; set; }
        public bool Written { get; private set; }

        /// <summary>
        /// Encodes rows as one row group appended to this partition's file: the spilled ones first,
        /// read back one column at a time, then those in memory; the <paramref name="last"/> one
        /// completes the file. The chunks are disposed after.
        /// </summary>
        public async Task WriteAsync(IReadOnlyList<ColumnBatch> chunks, IReadOnlyList<SpilledBatch> spilled, SpillFile? spill, bool last, CancellationToken cancellationToken)
        {
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (_writer is null)
                {
                    _upload = await store.CreateAsync(Key, cancellationToken).ConfigureAwait(false);
                    _writer = await ParquetWriter.CreateAsync(_schema, _upload.Stream, WriteOptions, cancellationToken: cancellationToken).ConfigureAwait(false);
                    Written = true;
                }
                using (var rowGroup = _writer.CreateRowGroup())
                {
                    for (var c = 0; c < Fields.Count; c++)
                    {
                        var loaded = spilled.Select(s => s.LoadColumn(spill!, c)).ToList();
                        var parts = loaded.Concat(chunks.Select(chunk => chunk.Columns[c])).ToList();
                        if (_schema.DataFields[c] is BigDecimalDataField wide)
                            await WideDecimalWriter.WriteAsync(wide, parts, rowGroup, cancellationToken).ConfigureAwait(false);
                        else
                            await parts[0].WriteConcatAsync(parts, rowGroup, cancellationToken).ConfigureAwait(false);
                        foreach (var column in loaded)
                            column.ReturnBuffers();
                    }
                    rowGroup.CompleteValidate();
                }
                if (last)
                    await CompleteCoreAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _gate.Release();
                foreach (var chunk in chunks)
                    chunk.Dispose();
            }
        }

        public async Task CompleteAsync(CancellationToken cancellationToken)
        {
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await CompleteCoreAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _gate.Release();
            }
        }

        /// <summary>The footer and the upload's commit, once; the caller holds the gate.</summary>
        private async Task CompleteCoreAsync(CancellationToken cancellationToken)
        {
            if (_writer is null || _upload is null)
                return;
            await _writer.DisposeAsync().ConfigureAwait(false); // the footer
            _writer = null;
            await _upload.CommitAsync(cancellationToken).ConfigureAwait(false);
            await _upload.DisposeAsync().ConfigureAwait(false);
            _upload = null;
        }

        public async Task DiscardAsync()
        {
            try
            {
                if (_writer is not null)
                    await _writer.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception)
            {
                // The file is being thrown away: a footer that cannot be written does not matter.
            }
            _writer = null;
            if (_upload is not null)
                await _upload.DisposeAsync().ConfigureAwait(false);
            _upload = null;
        }
    }
}
