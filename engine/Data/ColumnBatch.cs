using Parquet.Schema;

namespace FxEngine.Data;

/// <summary>
/// A batch of rows in columns, with where it came from (file and row group, or CSV line
/// range) so any error about it can name its location.
/// </summary>
internal sealed class ColumnBatch
{
    public ColumnBatch(string origin, IReadOnlyList<Column> columns, bool untyped = false)
    {
        Origin = origin;
        Columns = columns;
        Untyped = untyped;
        RowCount = columns.Count == 0 ? 0 : columns[0].Length;
        if (columns.Any(c => c.Length != RowCount))
            throw new ArgumentException($"{origin}: columns have different lengths", nameof(columns));
    }

    public string Origin { get; }

    /// <summary>
    /// The columns are text as read from a format without a schema (CSV): the normalizer gives
    /// the date and amount columns of converted rows their types, where typed input keeps its own.
    /// </summary>
    public bool Untyped { get; }
    public IReadOnlyList<Column> Columns { get; }
    public int RowCount { get; }

    public IEnumerable<DataField> Fields => Columns.Select(c => c.Field);

    public ColumnBatch Gather(ReadOnlySpan<int> rows)
    {
        var gathered = new Column[Columns.Count];
        for (var i = 0; i < gathered.Length; i++)
            gathered[i] = Columns[i].Gather(rows);
        return new ColumnBatch(Origin, gathered, Untyped);
    }

    /// <summary>The batch with more columns after its own.</summary>
    public ColumnBatch Append(params Column[] extra) => new(Origin, [.. Columns, .. extra], Untyped);

    public Column? Find(string name) => Columns.FirstOrDefault(c => c.Field.Name == name);

    /// <summary>Returns pooled buffers; the batch must not be read afterwards.</summary>
    public void Release()
    {
        foreach (var column in Columns)
            column.Release();
    }
}
