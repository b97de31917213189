using Parquet;
using Parquet.Schema;

namespace FxEngine.Data;

/// <summary>
/// Picks a column's kind from its Parquet field's type, from the closed set the engine reads:
/// UTF-8 text as character slices, primitives as typed arrays (nullable or not), decimals wider
/// than a .NET decimal always holds checked to convert exactly (<see cref="WideDecimalReader"/>).
/// </summary>
internal static class ColumnReader
{
    public static Task<Column> ReadAsync(ParquetRowGroupReader reader, DataField field, CancellationToken cancellationToken)
    {
        if (field.IsArray)
            throw new NotSupportedException($"column '{field.Name}' is a list; nested columns are not supported");
        var rows = checked((int)reader.RowCount);
        if (field.ClrType == typeof(ReadOnlyMemory<char>))
            return TextColumn.ReadAsync(reader, field, rows, cancellationToken);
        return WideDecimalReader.Applies(field)
            ? WideDecimalReader.ReadAsync(reader, field, rows, cancellationToken)
            : PrimitiveTypes.With<Task<Column>, Primitive>(field.ClrType, new Primitive(reader, field, rows, cancellationToken),
                () => throw new NotSupportedException($"column '{field.Name}' has type {Column.SqlType(field)}, which the engine does not read"));
    }

    private readonly record struct Primitive(ParquetRowGroupReader Reader, DataField Field, int Rows, CancellationToken Token) : PrimitiveTypes.IWith<Task<Column>>
    {
        public Task<Column> Make<T>() where T : struct => Field.IsNullable
            ? OptionalColumn<T>.ReadAsync(Reader, Field, Rows, Token)
            : RequiredColumn<T>.ReadAsync(Reader, Field, Rows, Token);
    }
}
