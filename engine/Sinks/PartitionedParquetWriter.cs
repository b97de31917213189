using System.Buffers;
using System.Runtime.InteropServices;
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
/// file's last holds at least that many. Rows wait serialized in a <see cref="RowSpool"/>: memory
/// stays within <c>bufferBytes</c> whatever the input size, the oldest waiting bytes moving to a
/// local spill file past it, to be read back when their row group is written. Row groups are encoded by any number of callers of
/// <see cref="RowGroup.WriteAsync"/>: different partitions in parallel, one partition's one at a time in the order they were handed out.
/// A file is published (under <c>prefix</c>, the caller's staging) when its last row group, one
/// <see cref="Flush"/> handed out, is written, and <see cref="CompleteAsync"/> publishes the rest;
/// disposing publishes nothing more, and the caller's staging goes with the run. Either way the
/// spill file is deleted. Files are written <c>staged</c> (not flushed to disk at their commit) only
/// for a caller that moves them into place before anything names them (a batch run's commit); the
/// stream's table state names its staged files before it moves them, so they must be durable first.
/// </summary>
internal sealed class PartitionedParquetWriter(IObjectStore store, string prefix, string fileName, int rowGroupRows, long bufferBytes, string? spillDirectory = null,
    bool staged = false)
    : IAsyncDisposable
{
    // Sampling decides dictionary encoding from the first values instead of hashing a whole
    // unique column (txn_id) first; Snappy is what Spark and DuckDB write by default.
    private static readonly ParquetOptions WriteOptions = new() { CompressionMethod = CompressionMethod.Snappy, DictionaryEncodingSampleSize = 2048 };

    private readonly Dictionary<DateOnly, Partition> _partitions = [];
    private readonly RowSpool _spool = new(bufferBytes, spillDirectory);
    private readonly SpillWriter _serialized = new();
    private Partition? _undated;

    /// <summary>Bytes of memory holding waiting rows now; at most the budget after each <see cref="Add"/>.</summary>
    public long BufferedBytes => _spool.MemoryBytes;

    /// <summary>Bytes written to the spill file so far.</summary>
    public long SpilledBytes => _spool.SpilledBytes;

    /// <summary>Keys of the files written.</summary>
    public IReadOnlyList<string> Files => All.Where(p => p.Written).Select(p => p.Key).ToList();

    /// <summary>Rows of one partition, due to be encoded as a row group of its file, in arrival order.</summary>
    public sealed class RowGroup
    {
        private readonly RowSpool _spool;

        /// <summary>The partition's row group taken before this one.</summary>
        private readonly Task _after;

        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        internal RowGroup(Partition target, IReadOnlyList<WaitingBatch> batches, RowSpool spool, bool last, Task after) =>
            (Target, Batches, _spool, Last, _after) = (target, batches, spool, last, after);

        internal Partition Target { get; }

        internal IReadOnlyList<WaitingBatch> Batches { get; }

        public int Rows => Batches.Sum(b => b.Rows);

        /// <summary>Whether it is its file's last (handed out by <see cref="Flush"/>): writing it also completes the file.</summary>
        public bool Last { get; }

        /// <summary>Ends once this row group is written, or has failed.</summary>
        internal Task Done => _done.Task;

        /// <summary>
        /// Writes it after the partition's earlier row groups, whichever callers hold them: the
        /// last completes the file, and a row group written after that would start the file anew
        /// and replace it, rows and all.
        /// </summary>
        public async Task WriteAsync(CancellationToken cancellationToken)
        {
            try
            {
                await _after.WaitAsync(cancellationToken).ConfigureAwait(false);
                await Target.WriteAsync(Batches, _spool, Last, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _done.TrySetResult(); // a failure fails the run; whoever waits on it is cancelled with it
            }
        }
    }

    /// <summary>
    /// One added batch in the spool: a record of its columns' bytes, column after column, then
    /// where each column ends (an <c>int</c> each). The ends wait in the record, not here: a run
    /// can hold millions of small batches (a slice's rows of one day each), and what waits in
    /// memory per batch is these 24 bytes.
    /// </summary>
    internal readonly record struct WaitingBatch(RowSpool.Record Record, int Rows);

    /// <summary>Where each column of a row group's batches lies in their records, read from the records' ends.</summary>
    private sealed class ColumnLayout
    {
        private readonly int[] _ends;
        private readonly int _columns;

        private ColumnLayout(int[] ends, int columns) => (_ends, _columns) = (ends, columns);

        public static ColumnLayout Read(IReadOnlyList<WaitingBatch> batches, int columns, RowSpool spool)
        {
            var ends = new int[batches.Count * columns];
            var trailer = columns * sizeof(int);
            for (var i = 0; i < batches.Count; i++)
            {
                var record = batches[i].Record;
                var batchEnds = ends.AsSpan(i * columns, columns);
                spool.Read(record, record.Length - trailer, MemoryMarshal.AsBytes(batchEnds));
                for (var (c, start) = (0, 0); c < columns; start = batchEnds[c++])
                    if (batchEnds[c] < start || batchEnds[c] > record.Length - trailer)
                        throw new InvalidDataException($"{spool.Name}: a spilled batch's column ends do not fit its record");
            }
            return new ColumnLayout(ends, columns);
        }

        /// <summary>Where column <paramref name="column"/> of batch <paramref name="batch"/> starts in its record.</summary>
        public int Start(int batch, int column) => column == 0 ? 0 : _ends[batch * _columns + column - 1];

        public int Length(int batch, int column) => _ends[batch * _columns + column] - Start(batch, column);

        /// <summary>Bytes of column <paramref name="column"/> in all the batches.</summary>
        public long TotalLength(int column)
        {
            long total = 0;
            for (var batch = 0; batch < _ends.Length / _columns; batch++)
                total += Length(batch, column);
            return total;
        }
    }

    private IEnumerable<Partition> All => _undated is null ? _partitions.Values : _partitions.Values.Append(_undated);

    /// <summary>
    /// Takes rows for a date partition (null: the default partition), which it disposes once
    /// copied into the spool; returns the row groups now due.
    /// </summary>
    public IReadOnlyList<RowGroup> Add(DateOnly? partition, ColumnBatch rows)
    {
        using (rows)
        {
            if (rows.RowCount == 0)
                return [];
            var target = partition is { } date
                ? _partitions.TryGetValue(date, out var found) ? found : _partitions[date] = NewPartition($"{prefix}{OutputSchema.PartitionFolder(date)}{fileName}", rows)
                : _undated ??= NewPartition($"{prefix}{OutputSchema.PartitionFolder(null)}{fileName}", rows);
            if (!target.Fields.SequenceEqual(rows.Fields, FieldComparer.Instance))
                throw new FxException($"{rows.Origin}: its columns ({Describe(rows.Fields)}) differ from earlier input ({Describe(target.Fields)}); normalize files with different schemas in separate runs");
            // A row group's column is read back from its batches as one, in the first batch's form.
            if (!rows.Columns.Select(c => c.GetType()).SequenceEqual(target.Shapes.Select(c => c.GetType())))
                throw new FxException($"{rows.Origin}: its columns are held in other forms ({Kinds(rows.Columns)}) than earlier rows of the same partition ({Kinds(target.Shapes)}); normalize CSV and Parquet input in separate runs");

            _serialized.Write<int>(rows.Spill(_serialized));
            target.Waiting.Add(new WaitingBatch(_spool.Append(_serialized.Written.Span), rows.RowCount));
            target.WaitingRows += rows.RowCount;
            // A buffer sized for a large batch is not kept between batches.
            if (_serialized.Written.Length > 16 << 20)
                _serialized.Reset();
            else
                _serialized.Clear();
            return target.WaitingRows >= rowGroupRows ? [Take(target, last: false)] : [];
        }
    }

    /// <summary>
    /// Every waiting row, as row groups, each its file's last; called once the input
    /// is exhausted. Whoever writes one also completes its file (footer and upload), so files are
    /// completed side by side, as their row groups are written.
    /// </summary>
    public IReadOnlyList<RowGroup> Flush()
    {
        _spool.EndAppends();
        return All.Where(p => p.WaitingRows > 0).Select(p => Take(p, last: true)).ToList();
    }

    /// <summary>Writes the footer of every file not completed yet and publishes it.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        foreach (var partition in All)
            await partition.CompleteAsync(cancellationToken).ConfigureAwait(false);
        _spool.Dispose();
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
            _spool.Dispose();
        }
    }

    private Partition NewPartition(string key, ColumnBatch first) => new(store, key, first.Fields.ToArray(), first.Columns.ToArray(), staged);

    private RowGroup Take(Partition partition, bool last)
    {
        var group = new RowGroup(partition, partition.Waiting.ToList(), _spool, last, partition.LastTaken);
        partition.LastTaken = group.Done;
        partition.Waiting.Clear();
        partition.WaitingRows = 0;
        return group;
    }

    private static string Kinds(IEnumerable<Column> columns) => string.Join(", ", columns.Select(c => c.GetType().Name));

    private static string Describe(IEnumerable<DataField> fields) => string.Join(", ", fields.Select(f => $"{f.Name} {Column.SqlType(f)}"));

    /// <summary>One partition's file: its waiting batches, and its writer once the first row group is due.</summary>
    internal sealed class Partition(IObjectStore store, string key, DataField[] fields, Column[] shapes, bool staged)
    {
        private readonly ParquetSchema _schema = new(fields.Select(WideDecimalWriter.SchemaField).ToArray());
        private readonly SemaphoreSlim _gate = new(1, 1);
        private IObjectUpload? _upload;
        private ParquetWriter? _writer;

        public string Key { get; } = key;
        public IReadOnlyList<DataField> Fields { get; } = fields;
        /// <summary>
        /// The first batch's columns (disposed: only their kinds and fields are used): every batch's
        /// are read back in their forms and under their fields, the ones this file's schema holds.
        /// </summary>
        public IReadOnlyList<Column> Shapes { get; } = shapes;
        public List<WaitingBatch> Waiting { get; } = [];
        public int WaitingRows { get; set; }

        /// <summary>The latest row group taken from it, written (or failed) when this ends.</summary>
        public Task LastTaken { get; set; } = Task.CompletedTask;
        public bool Written { get; private set; }

        /// <summary>
        /// Encodes batches as one row group appended to this partition's file, one column at a
        /// time: that column's bytes of every batch read back from the spool, then decoded as one
        /// column and encoded; the <paramref name="last"/> one completes the file. The batches are
        /// released from the spool after, written or not.
        /// </summary>
        public async Task WriteAsync(IReadOnlyList<WaitingBatch> batches, RowSpool spool, bool last, CancellationToken cancellationToken)
        {
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                // Started and closed: completed. Starting it again would replace it, rows and all.
                if (Written && _writer is null)
                    throw new InvalidOperationException($"{Key}: a row group arrived after its file was completed");
                if (_writer is null)
                {
                    _upload = await store.CreateAsync(Key, cancellationToken, staged).ConfigureAwait(false);
                    _writer = await ParquetWriter.CreateAsync(_schema, _upload.Stream, WriteOptions, cancellationToken: cancellationToken).ConfigureAwait(false);
                    Written = true;
                }
                using (var rowGroup = _writer.CreateRowGroup())
                {
                    var rows = batches.Select(b => b.Rows).ToArray();
                    var layout = ColumnLayout.Read(batches, Fields.Count, spool);
                    for (var c = 0; c < Fields.Count; c++)
                        await WriteColumnAsync(batches, rows, layout, c, spool, rowGroup, cancellationToken).ConfigureAwait(false);
                    rowGroup.CompleteValidate();
                }
                if (last)
                    await CompleteCoreAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _gate.Release();
                foreach (var batch in batches)
                    spool.Release(batch.Record);
            }
        }

        /// <summary>Column <paramref name="c"/> of every batch (<paramref name="rows"/> each), read back from the spool, decoded as one column and encoded.</summary>
        private async Task WriteColumnAsync(IReadOnlyList<WaitingBatch> batches, int[] rows, ColumnLayout layout, int c, RowSpool spool, ParquetRowGroupWriter rowGroup,
            CancellationToken cancellationToken)
        {
            var total = layout.TotalLength(c);
            if (total > Array.MaxLength)
                throw new FxException($"{Key}: column '{Fields[c].Name}' of a row group takes {total:N0} bytes, too many to encode; use fewer rows per row group");
            var bytes = ArrayPool<byte>.Shared.Rent((int)total);
            Column? column = null;
            try
            {
                var readers = new SpillReader[batches.Count];
                for (var (i, at) = (0, 0); i < batches.Count; at += layout.Length(i++, c))
                {
                    var slice = bytes.AsMemory(at, layout.Length(i, c));
                    spool.Read(batches[i].Record, layout.Start(i, c), slice.Span);
                    readers[i] = new SpillReader(slice, spool.Name);
                }
                column = Shapes[c].Load(new SpilledParts(readers, rows));
                if (readers.Any(reader => !reader.End))
                    throw new InvalidDataException($"{spool.Name}: a spilled column holds more bytes than its values");
                if (_schema.DataFields[c] is BigDecimalDataField wide)
                    await WideDecimalWriter.WriteAsync(wide, column, rowGroup, cancellationToken).ConfigureAwait(false);
                else
                    await column.WriteAsync(rowGroup, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                column?.ReturnBuffers();
                ArrayPool<byte>.Shared.Return(bytes);
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
