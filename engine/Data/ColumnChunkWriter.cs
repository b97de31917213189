using System.Buffers;
using System.Runtime.CompilerServices;
using Parquet;
using Parquet.Schema;

namespace FxEngine.Data;

/// <summary>
/// Writes several columns of one field as one Parquet column chunk. The parts are copied once,
/// straight into the form Parquet encodes (the non-null values, then a definition level per row
/// when the field is nullable), instead of being concatenated first and split by Parquet.Net after.
/// </summary>
internal static class ColumnChunkWriter
{
    /// <summary>
    /// Copies one part's non-null values to <paramref name="values"/> and, for a nullable field,
    /// one level per row to <paramref name="levels"/> (<paramref name="present"/> or present - 1);
    /// returns how many values it copied.
    /// </summary>
    public delegate int Fill<T>(Column part, Span<T> values, Span<int> levels, int present);

    public static async Task WriteAsync<T>(DataField field, IReadOnlyList<Column> parts, Fill<T> fill, ParquetRowGroupWriter writer, CancellationToken cancellationToken)
        where T : struct
    {
        var rows = 0;
        foreach (var part in parts)
            rows += part.Length;
        var values = ArrayPool<T>.Shared.Rent(rows);
        var levels = field.IsNullable ? ArrayPool<int>.Shared.Rent(rows) : null;
        try
        {
            int count = 0, row = 0;
            foreach (var part in parts)
            {
                count += fill(part, values.AsSpan(count), levels is null ? default : levels.AsSpan(row, part.Length), field.MaxDefinitionLevel);
                row += part.Length;
            }
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
