using FxEngine.Data;
using FxEngine.Storage;
using Parquet;
using Parquet.Schema;

namespace FxEngine.Sinks;

/// <summary>
/// Parquet output in partition folders, one file per partition. It has two sides:
/// <list type="bullet">
/// <item><see cref="Add"/> and <see cref="Drain"/> (one caller) buffer small chunks of rows
/// and hand back a <see cref="RowGroup"/> when a partition holds <c>rowGroupRows</c>, or when
/// all partitions together hold <c>maxBufferedRows</c> (the largest goes): memory stays bounded
/// whatever the input size.</item>
/// <item><see cref="WriteAsync"/> (any number of callers) encodes and writes a row group;
/// different partitions write in parallel, one partition's row groups one at a time.</item>
/// </list>
/// </summary>
internal sealed class PartitionedParquetWriter(IObjectStore store, string prefix, string fileName, int rowGroupRows, int maxBufferedRows) : IAsyncDisposable
{
    // Sampling decides dictionary encoding from the first values instead of hashing a whole
    // unique column (txn_id) first; Snappy is what Spark and DuckDB write by default.
    private static readonly ParquetOptions WriteOptions = new() { CompressionMethod = CompressionMethod.Snappy, DictionaryEncodingSampleSize = 2048 };

    private readonly Dictionary<string, Partition> _partitions = new(StringComparer.Ordinal);
    private int _bufferedRows;

    /// <summary>Rows held in memory now, across partitions.</summary>
    public int BufferedRows => _bufferedRows;

    /// <summary>Rows of one partition ready to be written as a row group.</summary>
    public sealed record RowGroup(Partition Target, IReadOnlyList<ColumnBatch> Chunks);

    /// <summary>Keys of the files written.</summary>
    public IEnumerable<string> Files => _partitions.Values.Where(p => p.Written).Select(p => p.Key);

    /// <summary>Buffers rows for a partition folder (<c>txn_date=2024-01-05</c>, or "" for none); returns the row groups now due.</summary>
    public IReadOnlyList<RowGroup> Add(string partition, ColumnBatch rows)
    {
        if (rows.RowCount == 0)
            return [];
        if (!_partitions.TryGetValue(partition, out var target))
        {
            var key = partition.Length == 0 ? $"{prefix}{fileName}" : $"{prefix}{partition}/{fileName}";
            _partitions[partition] = target = new Partition(store, key, new ParquetSchema(rows.Fields.ToArray()));
        }
        else if (!target.Schema.Equals(new ParquetSchema(rows.Fields.ToArray())))
        {
            throw new FxException($"{rows.Origin}: its columns ({Describe(rows.Fields)}) differ from earlier input ({Describe(target.Schema.GetDataFields())}); normalize files with different schemas in separate runs");
        }

        target.Pending.Add(rows);
        target.PendingRows += rows.RowCount;
        _bufferedRows += rows.RowCount;

        var due = new List<RowGroup>();
        if (target.PendingRows >= rowGroupRows)
            due.Add(Take(target));
        while (_bufferedRows > maxBufferedRows)
            due.Add(Take(_partitions.Values.MaxBy(p => p.PendingRows)!));
        return due;
    }

    /// <summary>Every buffered row, as row groups; called once the input is exhausted.</summary>
    public IReadOnlyList<RowGroup> Drain() =>
        _partitions.Values.Where(p => p.PendingRows > 0).Select(Take).ToList();

    /// <summary>Encodes and appends one row group to its partition's file.</summary>
    public static async Task WriteAsync(RowGroup group, CancellationToken cancellationToken)
    {
        var target = group.Target;
        await target.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (target.Writer is null)
            {
                target.Upload = await target.Store.CreateAsync(target.Key, cancellationToken).ConfigureAwait(false);
                target.Writer = await ParquetWriter.CreateAsync(target.Schema, target.Upload.Stream, WriteOptions, cancellationToken: cancellationToken).ConfigureAwait(false);
                target.Written = true;
            }
            using var rowGroup = target.Writer.CreateRowGroup();
            var chunks = group.Chunks;
            for (var c = 0; c < chunks[0].Columns.Count; c++)
            {
                var parts = chunks.Select(chunk => chunk.Columns[c]).ToList();
                await parts[0].WriteConcatAsync(parts, rowGroup, cancellationToken).ConfigureAwait(false);
            }
            rowGroup.CompleteValidate();
        }
        finally
        {
            target.Gate.Release();
        }
    }

    /// <summary>Writes every file's footer and publishes it.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        foreach (var partition in _partitions.Values)
            await partition.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Drops whatever was not completed: nothing half-written is published.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var partition in _partitions.Values)
            await partition.DiscardAsync().ConfigureAwait(false);
    }

    private RowGroup Take(Partition partition)
    {
        var group = new RowGroup(partition, partition.Pending.ToList());
        _bufferedRows -= partition.PendingRows;
        partition.Pending.Clear();
        partition.PendingRows = 0;
        return group;
    }

    private static string Describe(IEnumerable<DataField> fields) => string.Join(", ", fields.Select(f => $"{f.Name} {Column.SqlType(f)}"));

    internal sealed class Partition(IObjectStore store, string key, ParquetSchema schema)
    {
        public IObjectStore Store { get; } = store;
        public string Key { get; } = key;
        public ParquetSchema Schema { get; } = schema;
        public List<ColumnBatch> Pending { get; } = [];
        public int PendingRows { get; set; }
        public SemaphoreSlim Gate { get; } = new(1, 1);
        public IObjectUpload? Upload { get; set; }
        public ParquetWriter? Writer { get; set; }
        public bool Written { get; set; }

        public async Task CompleteAsync(CancellationToken cancellationToken)
        {
            if (Writer is null || Upload is null)
                return;
            await Writer.DisposeAsync().ConfigureAwait(false); // the footer
            Writer = null;
            await Upload.CommitAsync(cancellationToken).ConfigureAwait(false);
            await Upload.DisposeAsync().ConfigureAwait(false);
            Upload = null;
        }

        public async Task DiscardAsync()
        {
            try
            {
                if (Writer is not null)
                    await Writer.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception)
            {
                // The file is being thrown away: a footer that cannot be written does not matter.
            }
            Writer = null;
            if (Upload is not null)
                await Upload.DisposeAsync().ConfigureAwait(false);
            Upload = null;
        }
    }
}
