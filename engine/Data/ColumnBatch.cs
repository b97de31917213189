using Parquet.Schema;

namespace FxEngine.Data;

/// <summary>
/// A batch of rows in columns, with where it came from (file and row group, or CSV line
/// range) so any error about it can name its location.
/// </summary>
public sealed class ColumnBatch
{
    public ColumnBatch(string origin, IReadOnlyList<Column> columns)
    {
        Origin = origin;
        Columns = columns;
        RowCount = columns.Count == 0 ? 0 : columns[0].Length;
        if (columns.Any(c => c.Length != RowCount))
            throw new ArgumentException($"{origin}: columns have different lengths", nameof(columns));
    }

    public string Origin { get; }
    public IReadOnlyList<Column> Columns { get; }
    public int RowCount { get; }

    public IEnumerable<DataField> Fields => Columns.Select(c => c.Field);

    public ColumnBatch Gather(ReadOnlySpan<int> rows)
    {
        var gathered = new Column[Columns.Count];
        for (var i = 0; i < gathered.Length; i++)
            gathered[i] = Columns[i].Gather(rows);
        return new ColumnBatch(Origin, gathered);
    }

    /// <summary>The batch with more columns after its own.</summary>
    public ColumnBatch Append(params Column[] extra) => new(Origin, [.. Columns, .. extra]);

    public Column? Find(string name) => Columns.FirstOrDefault(c => c.Field.Name == name);

    /// <summary>Returns pooled buffers; the batch must not be read afterwards.</summary>
    public void Release()
    {
        foreach (var column in Columns)
            column.Release();
    }
}
