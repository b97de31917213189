using System.Buffers;
using System.Runtime.CompilerServices;
using Parquet;
using Parquet.Schema;

namespace FxEngine.Data;

/// <summary>
/// Writes a column as a Parquet column chunk, copied once straight into the form Parquet encodes
/// (the non-null values, then a definition level per row when the field is nullable), instead of
/// Parquet.Net splitting nullable values itself.
/// </summary>
internal static class ColumnChunkWriter
{
    /// <summary>
    /// Copies a column's non-null values to <paramref name="values"/> and, for a nullable field,
    /// one level per row to <paramref name="levels"/> (<paramref name="present"/> or present - 1);
    /// returns how many values it copied.
    /// </summary>
    public delegate int Fill<T>(Span<T> values, Span<int> levels, int present);

    /// <summary>Writes the <paramref name="rows"/> rows of <paramref name="field"/> that <paramref name="fill"/> copies.</summary>
    public static async Task WriteAsync<T>(DataField field, int rows, Fill<T> fill, ParquetRowGroupWriter writer, CancellationToken cancellationToken)
        where T : struct
    {
        var values = ArrayPool<T>.Shared.Rent(rows);
        var levels = field.IsNullable ? ArrayPool<int>.Shared.Rent(rows) : null;
        try
        {
            var count = fill(values.AsSpan(0, rows), levels is null ? default : levels.AsSpan(0, rows), field.MaxDefinitionLevel);
            if (levels is null)
                await writer.WriteAsync<T>(field, values.AsMemory(0, count), null, null, cancellationToken).ConfigureAwait(false);
            else
                await writer.WriteAllPartsAsync<T>(field, values.AsMemory(0, count), levels.AsMemory(0, rows), null, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<T>.Shared.Return(values, clearArray: RuntimeHelpers.IsReferenceOrContainsReferences<T>());
            if (levels is not null)
                ArrayPool<int>.Shared.Return(levels);
        }
    }
}
