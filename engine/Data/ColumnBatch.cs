using Parquet;
using Parquet.Schema;

namespace FxEngine.Data;

/// <summary>
/// A batch of rows in columns, with where it came from (file and row group, or CSV line
/// range) so any error about it can name its location. The batch owns its columns' buffers:
/// disposing it gives pooled ones back, after which none of its columns can be read.
/// </summary>
internal sealed class ColumnBatch : IDisposable
{
    private readonly IReadOnlyList<Column> _columns;
    private int _disposed;

    /// <summary>A batch that takes ownership of <paramref name="columns"/>.</summary>
    internal ColumnBatch(string origin, IReadOnlyList<Column> columns, bool untyped = false)
    {
        Origin = origin;
        _columns = columns;
        Untyped = untyped;
        RowCount = columns.Count == 0 ? 0 : columns[0].Length;
        if (columns.Any(c => c.Length != RowCount))
            throw new ArgumentException($"{origin}: columns have different lengths", nameof(columns));
    }

    /// <summary>Reads <paramref name="fields"/> of a row group; an error names the origin and column.</summary>
    internal static async Task<ColumnBatch> ReadAsync(ParquetRowGroupReader reader, IEnumerable<DataField> fields, string origin, CancellationToken cancellationToken)
    {
        var columns = new List<Column>();
        try
        {
            foreach (var field in fields)
            {
                try
                {
                    columns.Add(await ColumnReader.ReadAsync(reader, field, cancellationToken).ConfigureAwait(false));
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    throw new FxException($"{origin}: cannot read column '{field.Name}' ({ex.Message})", ex);
                }
            }
            return new ColumnBatch(origin, columns);
        }
        catch
        {
            foreach (var column in columns)
                column.ReturnBuffers();
            throw;
        }
    }

    public string Origin { get; }

    /// <summary>
    /// The columns are text as read from a format without a schema (CSV): the normalizer gives
    /// the date and amount columns of converted rows their types, where typed input keeps its own.
    /// </summary>
    public bool Untyped { get; }

    /// <summary>The columns; reading them (or their values) after <see cref="Dispose"/> throws <see cref="ObjectDisposedException"/>.</summary>
    public IReadOnlyList<Column> Columns
    {
        get
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            return _columns;
        }
    }

    public int RowCount { get; }

    public IEnumerable<DataField> Fields => Columns.Select(c => c.Field);

    public Column? Find(string name) => Columns.FirstOrDefault(c => c.Field.Name == name);

    /// <summary>A new batch of the given rows, in that order, then <paramref name="extra"/> columns, which it takes ownership of.</summary>
    internal ColumnBatch Gather(ReadOnlySpan<int> rows, params ReadOnlySpan<Column> extra)
    {
        var columns = Columns;
        var gathered = new Column[columns.Count + extra.Length];
        for (var i = 0; i < columns.Count; i++)
            gathered[i] = columns[i].Gather(rows);
        extra.CopyTo(gathered.AsSpan(columns.Count));
        return new ColumnBatch(Origin, gathered, Untyped);
    }

    /// <summary>
    /// Appends the batch to a spill, column after column; returns where each column's bytes end,
    /// so a column can be read back alone.
    /// </summary>
    internal int[] Spill(SpillWriter writer)
    {
        var columns = Columns;
        var ends = new int[columns.Count];
        var start = writer.Written.Length;
        for (var c = 0; c < columns.Count; c++)
        {
            columns[c].Spill(writer);
            ends[c] = writer.Written.Length - start;
        }
        return ends;
    }

    /// <summary>Gives the columns' pooled buffers back, once however often it is called.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        foreach (var column in _columns)
            column.ReturnBuffers();
    }
}
