using Parquet;
using Parquet.Schema;

namespace FxEngine.Data;

/// <summary>A column of .NET strings (CSV input, the normalizer's status and reasons); null stands for a missing value.</summary>
internal sealed class StringColumn : Column
{
    private readonly ColumnBuffer<string?> _values;

    /// <summary>A column that owns <paramref name="values"/>.</summary>
    public StringColumn(DataField field, string?[] values) : base(field) => _values = new ColumnBuffer<string?>(values);

    public ReadOnlySpan<string?> Values => _values.Span;

    public override int Length => _values.Length;

    internal override Column Gather(ReadOnlySpan<int> rows) => new StringColumn(Field, _values.Gather(rows));

    /// <summary>Written as character slices of the strings themselves: no string is copied.</summary>
    internal override Task WriteConcatAsync(IReadOnlyList<Column> parts, ParquetRowGroupWriter writer, CancellationToken cancellationToken) =>
        ColumnChunkWriter.WriteAsync<ReadOnlyMemory<char>>(Field, parts, Fill, writer, cancellationToken);

    private static int Fill(Column part, Span<ReadOnlyMemory<char>> values, Span<int> levels, int present)
    {
        var source = ((StringColumn)part).Values;
        var count = 0;
        for (var i = 0; i < source.Length; i++)
        {
            if (source[i] is { } value)
                values[count++] = value.AsMemory();
            else if (levels.IsEmpty)
                throw MissingValue(part.Field);
            if (!levels.IsEmpty)
                levels[i] = source[i] is null ? present - 1 : present;
        }
        return count;
    }

    internal override void ReturnBuffers() => _values.Return();
}
