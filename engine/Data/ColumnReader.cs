using Parquet;
using Parquet.Schema;

namespace FxEngine.Data;

/// <summary>
/// Picks a column's kind from its Parquet field's type, from the closed set the engine reads:
/// UTF-8 text as character slices, primitives as typed arrays (nullable or not).
/// </summary>
internal static class ColumnReader
{
    public static Task<Column> ReadAsync(ParquetRowGroupReader reader, DataField field, CancellationToken cancellationToken)
    {
        if (field.IsArray)
            throw new NotSupportedException($"column '{field.Name}' is a list; nested columns are not supported");
        var rows = checked((int)reader.RowCount);
        var type = field.ClrType;
        return type switch
        {
            _ when type == typeof(ReadOnlyMemory<char>) => TextColumn.ReadAsync(reader, field, rows, cancellationToken),
            _ when type == typeof(bool) => Primitive<bool>(reader, field, rows, cancellationToken),
            _ when type == typeof(sbyte) => Primitive<sbyte>(reader, field, rows, cancellationToken),
            _ when type == typeof(byte) => Primitive<byte>(reader, field, rows, cancellationToken),
            _ when type == typeof(short) => Primitive<short>(reader, field, rows, cancellationToken),
            _ when type == typeof(ushort) => Primitive<ushort>(reader, field, rows, cancellationToken),
            _ when type == typeof(int) => Primitive<int>(reader, field, rows, cancellationToken),
            _ when type == typeof(uint) => Primitive<uint>(reader, field, rows, cancellationToken),
            _ when type == typeof(long) => Primitive<long>(reader, field, rows, cancellationToken),
            _ when type == typeof(ulong) => Primitive<ulong>(reader, field, rows, cancellationToken),
            _ when type == typeof(float) => Primitive<float>(reader, field, rows, cancellationToken),
            _ when type == typeof(double) => Primitive<double>(reader, field, rows, cancellationToken),
            _ when type == typeof(decimal) => Primitive<decimal>(reader, field, rows, cancellationToken),
            _ when type == typeof(DateOnly) => Primitive<DateOnly>(reader, field, rows, cancellationToken),
            _ when type == typeof(DateTime) => Primitive<DateTime>(reader, field, rows, cancellationToken),
            _ when type == typeof(TimeOnly) => Primitive<TimeOnly>(reader, field, rows, cancellationToken),
            _ when type == typeof(TimeSpan) => Primitive<TimeSpan>(reader, field, rows, cancellationToken),
            _ when type == typeof(Guid) => Primitive<Guid>(reader, field, rows, cancellationToken),
            _ => throw new NotSupportedException($"column '{field.Name}' has type {Column.SqlType(field)}, which the engine does not read"),
        };
    }

    private static Task<Column> Primitive<T>(ParquetRowGroupReader reader, DataField field, int rows, CancellationToken cancellationToken) where T : struct =>
        field.IsNullable
            ? OptionalColumn<T>.ReadAsync(reader, field, rows, cancellationToken)
            : RequiredColumn<T>.ReadAsync(reader, field, rows, cancellationToken);
}
