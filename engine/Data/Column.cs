using Parquet;
using Parquet.Schema;

namespace FxEngine.Data;

/// <summary>
/// One column of a <see cref="ColumnBatch"/>: a Parquet field and its values, so rows can be
/// gathered into partitions and written back without knowing the column's type. The kinds are
/// a closed set (<see cref="RequiredColumn{T}"/>, <see cref="OptionalColumn{T}"/>,
/// <see cref="TextColumn"/>, <see cref="StringColumn"/>, <see cref="CodeColumn"/>); readers of
/// values switch on the kind and get read-only spans of exactly <see cref="Length"/> values.
/// A column's values belong to its batch and cannot be read once the batch is disposed.
/// </summary>
internal abstract class Column
{
    private protected Column(DataField field) => Field = field;

    public DataField Field { get; }

    public abstract int Length { get; }

    /// <summary>A new column holding the given rows, in that order, in buffers of its own.</summary>
    internal abstract Column Gather(ReadOnlySpan<int> rows);

    /// <summary>
    /// The rows <c>first..first + groupOf.Length</c> split into groups, in one pass in row order:
    /// row <c>first + k</c> goes to group <c>groupOf[k]</c> (nowhere when negative), and group g,
    /// a new column of <c>sizes[g]</c> rows in buffers of its own, is null when empty. Gathering
    /// group by group instead would read across all the rows again for every group.
    /// </summary>
    internal abstract Column?[] Split(int first, ReadOnlySpan<int> groupOf, ReadOnlySpan<int> sizes);

    /// <summary>Writes the column as its row group's column chunk of its field.</summary>
    internal abstract Task WriteAsync(ParquetRowGroupWriter writer, CancellationToken cancellationToken);

    /// <summary>Appends this column's values to a spill, as their in-memory bytes.</summary>
    internal abstract void Spill(SpillWriter writer);

    /// <summary>A column of this one's kind and field read back from spilled parts, as one; this column's own values are not used.</summary>
    internal abstract Column Load(SpilledParts parts);

    /// <summary>Gives pooled buffers back; called once by the owning batch, harmless again.</summary>
    internal abstract void ReturnBuffers();

    /// <summary>
    /// Parquet.Net 6 reads UTF-8 columns as ReadOnlyMemory&lt;char&gt; slices of one buffer, far
    /// cheaper than a string per value; CSV columns are strings.
    /// </summary>
    public static bool IsText(Type type) => type == typeof(string) || type == typeof(ReadOnlyMemory<char>);

    /// <summary>
    /// A field's type as SQL engines (DuckDB, Spark) and the docs spell it, for messages:
    /// VARCHAR, DATE, DECIMAL(18,2) rather than .NET's ReadOnlyMemory`1 or Decimal.
    /// </summary>
    public static string SqlType(DataField field)
    {
        var type = field.ClrType;
        var name = field switch
        {
            DecimalDataField d => $"DECIMAL({d.Precision},{d.Scale})",
            _ when IsText(type) => "VARCHAR",
            _ when type == typeof(byte[]) => "BLOB",
            _ when type == typeof(DateOnly) => "DATE",
            _ when type == typeof(DateTime) => "TIMESTAMP",
            _ when type == typeof(DateTimeOffset) => "TIMESTAMP WITH TIME ZONE",
            _ when type == typeof(TimeOnly) || type == typeof(TimeSpan) => "TIME",
            _ when type == typeof(decimal) => "DECIMAL",
            _ when type == typeof(bool) => "BOOLEAN",
            _ when type == typeof(sbyte) => "TINYINT",
            _ when type == typeof(byte) => "UTINYINT",
            _ when type == typeof(short) => "SMALLINT",
            _ when type == typeof(ushort) => "USMALLINT",
            _ when type == typeof(int) => "INTEGER",
            _ when type == typeof(uint) => "UINTEGER",
            _ when type == typeof(long) => "BIGINT",
            _ when type == typeof(ulong) => "UBIGINT",
            _ when type == typeof(float) => "FLOAT",
            _ when type == typeof(double) => "DOUBLE",
            _ when type == typeof(Guid) => "UUID",
            _ => type.Name,
        };
        return field.IsArray ? $"{name}[]" : field.IsNullable ? name : $"{name} NOT NULL";
    }

    /// <summary>Each spilled part's characters, from the lengths of all the parts' rows (a missing value's length is -1).</summary>
    private protected static int[] CharsPerPart(ReadOnlySpan<int> rows, ReadOnlySpan<int> lengths)
    {
        var perPart = new int[rows.Length];
        var row = 0;
        for (var part = 0; part < rows.Length; part++)
            for (var end = row + rows[part]; row < end; row++)
                perPart[part] = checked(perPart[part] + Math.Max(0, lengths[row]));
        return perPart;
    }

    /// <summary>A non-nullable field cannot take a missing value: fail naming the column rather than write a wrong file.</summary>
    private protected static InvalidOperationException MissingValue(DataField field) =>
        new($"column '{field.Name}' is not nullable but holds a missing value");
}
