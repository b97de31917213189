using FxEngine.Data;
using FxEngine.Storage;
using Parquet;
using Parquet.Schema;

namespace FxEngine.Sinks;

/// <summary>
/// One worker's Parquet output: one file per partition folder, fed with small chunks of
/// rows and written as large row groups. Chunks wait in memory until a partition has
/// <see cref="RowGroupRows"/> rows, or until all partitions together hold
/// <see cref="MaxBufferedRows"/>, when the largest is written out: memory stays bounded
/// whatever the input size, and files per partition stay at one per worker.
/// </summary>
internal sealed class PartitionedParquetWriter(IObjectStore store, string prefix, string fileName, int rowGroupRows, int maxBufferedRows) : IAsyncDisposable
{
    // Sampling decides dictionary encoding from the first values instead of hashing a whole
    // unique column (txn_id) first; Snappy is what Spark and DuckDB write by default.
    private static readonly ParquetOptions WriteOptions = new() { CompressionMethod = CompressionMethod.Snappy, DictionaryEncodingSampleSize = 2048 };

    private readonly Dictionary<string, Partition> _partitions = new(StringComparer.Ordinal);
    private int _bufferedRows;

    public int RowGroupRows => rowGroupRows;
    public int MaxBufferedRows => maxBufferedRows;

    /// <summary>Keys of the files written so far.</summary>
    public IEnumerable<string> Files => _partitions.Values.Where(p => p.Writer is not null).Select(p => p.Key);

    /// <summary>Adds rows to a partition folder (<c>txn_date=2024-01-05</c>, or "" for none).</summary>
    public async Task AddAsync(string partition, ColumnBatch rows, CancellationToken cancellationToken)
    {
        if (rows.RowCount == 0)
            return;
        if (!_partitions.TryGetValue(partition, out var target))
        {
            var key = partition.Length == 0 ? $"{prefix}{fileName}" : $"{prefix}{partition}/{fileName}";
            _partitions[partition] = target = new Partition(key, new ParquetSchema(rows.Fields.ToArray()));
        }
        else if (!target.Schema.Equals(new ParquetSchema(rows.Fields.ToArray())))
        {
            throw new FxException($"{rows.Origin}: its columns ({string.Join(", ", rows.Fields.Select(f => $"{f.Name} {f.ClrType.Name}"))}) differ from earlier input ({string.Join(", ", target.Schema.GetDataFields().Select(f => $"{f.Name} {f.ClrType.Name}"))}); normalize files with different schemas in separate runs");
        }

        target.Pending.Add(rows);
        target.PendingRows += rows.RowCount;
        _bufferedRows += rows.RowCount;
        if (target.PendingRows >= rowGroupRows)
            await FlushAsync(target, cancellationToken).ConfigureAwait(false);
        while (_bufferedRows > maxBufferedRows)
            await FlushAsync(_partitions.Values.MaxBy(p => p.PendingRows)!, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes what is buffered and closes every file.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        foreach (var partition in _partitions.Values)
        {
            await FlushAsync(partition, cancellationToken).ConfigureAwait(false);
            await partition.CloseAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var partition in _partitions.Values)
            await partition.CloseAsync().ConfigureAwait(false);
    }

    private async Task FlushAsync(Partition partition, CancellationToken cancellationToken)
    {
        if (partition.PendingRows == 0)
            return;
        if (partition.Writer is null)
        {
            partition.Stream = await store.CreateAsync(partition.Key, cancellationToken).ConfigureAwait(false);
            partition.Writer = await ParquetWriter.CreateAsync(partition.Schema, partition.Stream, WriteOptions, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        using (var group = partition.Writer.CreateRowGroup())
        {
            var columns = partition.Pending[0].Columns.Count;
            for (var c = 0; c < columns; c++)
            {
                var parts = partition.Pending.Select(b => b.Columns[c]).ToList();
                await parts[0].Concat(parts).WriteAsync(group, cancellationToken).ConfigureAwait(false);
            }
            group.CompleteValidate();
        }
        _bufferedRows -= partition.PendingRows;
        partition.Pending.Clear();
        partition.PendingRows = 0;
    }

    private sealed class Partition(string key, ParquetSchema schema)
    {
        public string Key { get; } = key;
        public ParquetSchema Schema { get; } = schema;
        public List<ColumnBatch> Pending { get; } = [];
        public int PendingRows { get; set; }
        public Stream? Stream { get; set; }
        public ParquetWriter? Writer { get; set; }

        public async Task CloseAsync()
        {
            if (Writer is not null)
            {
                await Writer.DisposeAsync().ConfigureAwait(false);
                Writer = null;
            }
            if (Stream is not null)
            {
                await Stream.DisposeAsync().ConfigureAwait(false);
                Stream = null;
            }
        }
    }
}
