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
/// a <see cref="RowGroup"/> when a partition holds <c>rowGroupRows</c>, or when all partitions
/// together hold <c>maxBufferedRows</c> (the largest goes), so memory stays bounded whatever the
/// input size. Row groups are encoded by any number of callers of <see cref="RowGroup.WriteAsync"/>:
/// different partitions in parallel, one partition's row groups one at a time.
/// <see cref="CompleteAsync"/> publishes every file; disposing without it publishes nothing.
/// </summary>
internal sealed class PartitionedParquetWriter(IObjectStore store, string prefix, string fileName, int rowGroupRows, int maxBufferedRows) : IAsyncDisposable
{
    // Sampling decides dictionary encoding from the first values instead of hashing a whole
    // unique column (txn_id) first; Snappy is what Spark and DuckDB write by default.
    private static readonly ParquetOptions WriteOptions = new() { CompressionMethod = CompressionMethod.Snappy, DictionaryEncodingSampleSize = 2048 };

    private readonly Dictionary<DateOnly, Partition> _partitions = [];
    private Partition? _undated;
    private int _bufferedRows;

    /// <summary>Rows held in memory now, across partitions.</summary>
    public int BufferedRows => _bufferedRows;

    /// <summary>Keys of the files written.</summary>
    public IReadOnlyList<string> Files => All.Where(p => p.Written).Select(p => p.Key).ToList();

    /// <summary>Rows of one partition, due to be encoded as a row group of its file.</summary>
    public sealed class RowGroup
    {
        internal RowGroup(Partition target, IReadOnlyList<ColumnBatch> chunks) => (Target, Chunks) = (target, chunks);

        internal Partition Target { get; }

        public IReadOnlyList<ColumnBatch> Chunks { get; }

        public Task WriteAsync(CancellationToken cancellationToken) => Target.WriteAsync(Chunks, cancellationToken);
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

        target.Pending.Add(rows);
        target.PendingRows += rows.RowCount;
        _bufferedRows += rows.RowCount;

        var due = new List<RowGroup>();
        if (target.PendingRows >= rowGroupRows)
            due.Add(Take(target));
        while (_bufferedRows > maxBufferedRows)
            due.Add(Take(All.MaxBy(p => p.PendingRows)!));
        return due;
    }

    /// <summary>Every buffered row, as row groups; called once the input is exhausted.</summary>
    public IReadOnlyList<RowGroup> Flush() => All.Where(p => p.PendingRows > 0).Select(Take).ToList();

    /// <summary>Writes every file's footer and publishes it.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        foreach (var partition in All)
            await partition.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Drops whatever was not completed: nothing half-written is published.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var partition in All)
            await partition.DiscardAsync().ConfigureAwait(false);
    }

    private Partition NewPartition(string key, ColumnBatch first) => new(store, key, first.Fields.ToArray());

    private RowGroup Take(Partition partition)
    {
        var group = new RowGroup(partition, partition.Pending.ToList());
        _bufferedRows -= partition.PendingRows;
        partition.Pending.Clear();
        partition.PendingRows = 0;
        return group;
    }

    private static string Describe(IEnumerable<DataField> fields) => string.Join(", ", fields.Select(f => $"{f.Name} {Column.SqlType(f)}"));

    /// <summary>One partition's file: its pending rows, and its writer once the first row group is due.</summary>
    internal sealed class Partition(IObjectStore store, string key, DataField[] fields)
    {
        private readonly ParquetSchema _schema = new(fields);
        private readonly SemaphoreSlim _gate = new(1, 1);
        private IObjectUpload? _upload;
        private ParquetWriter? _writer;

        public string Key { get; } = key;
        public IReadOnlyList<DataField> Fields { get; } = fields;
        public List<ColumnBatch> Pending { get; } = [];
        public int PendingRows { get; set; }
        public bool Written { get; private set; }

        /// <summary>Encodes rows as one row group appended to this partition's file.</summary>
        public async Task WriteAsync(IReadOnlyList<ColumnBatch> chunks, CancellationToken cancellationToken)
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
                using var rowGroup = _writer.CreateRowGroup();
                for (var c = 0; c < chunks[0].Columns.Count; c++)
                {
                    var parts = chunks.Select(chunk => chunk.Columns[c]).ToList();
                    await parts[0].WriteConcatAsync(parts, rowGroup, cancellationToken).ConfigureAwait(false);
                }
                rowGroup.CompleteValidate();
            }
            finally
            {
                _gate.Release();
            }
        }

        public async Task CompleteAsync(CancellationToken cancellationToken)
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
