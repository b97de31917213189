using System.Buffers;
using Parquet;
using Parquet.Schema;

namespace FxEngine.Data;

/// <summary>A column of a primitive type (number, date, time, bool, UUID) where every row has a value.</summary>
internal sealed class RequiredColumn<T> : Column where T : struct
{
    private readonly ColumnBuffer<T> _values;

    /// <summary>A column that owns <paramref name="values"/> (a rented buffer it returns, or a plain one).</summary>
    internal RequiredColumn(DataField field, ColumnBuffer<T> values) : base(field) => _values = values;

    /// <summary>A column that owns <paramref name="values"/>.</summary>
    public RequiredColumn(DataField field, T[] values) : this(field, new ColumnBuffer<T>(values)) { }

    /// <summary>Reads a row group's column into a buffer rented from <paramref name="pool"/> (the shared pool by default).</summary>
    public static async Task<Column> ReadAsync(ParquetRowGroupReader reader, DataField field, int rows, CancellationToken cancellationToken, ArrayPool<T>? pool = null)
    {
        var values = ColumnBuffer<T>.Rent(rows, pool);
        try
        {
            await reader.ReadAsync<T>(field, values.Writable, null, cancellationToken).ConfigureAwait(false);
            WallClockTimestamps.Retag(field, values.Writable.Span);
            return new RequiredColumn<T>(field, values);
        }
        catch
        {
            values.Return();
            throw;
        }
    }

    public ReadOnlySpan<T> Values => _values.Span;

    public override int Length => _values.Length;

    internal override Column Gather(ReadOnlySpan<int> rows) => new RequiredColumn<T>(Field, _values.Gather(rows));

    internal override Column?[] Split(int first, ReadOnlySpan<int> groupOf, ReadOnlySpan<int> sizes) =>
        _values.Split(first, groupOf, sizes).Select(values => values is null ? null : new RequiredColumn<T>(Field, values)).ToArray();

    internal override Task WriteAsync(ParquetRowGroupWriter writer, CancellationToken cancellationToken) =>
        // A required field is written from the column's own buffer, with no copy at all.
        !Field.IsNullable
            ? writer.WriteAsync<T>(Field, _values.Memory, null, null, cancellationToken)
            : ColumnChunkWriter.WriteAsync<T>(Field, Length, Fill, writer, cancellationToken);

    private int Fill(Span<T> values, Span<int> levels, int present)
    {
        var source = Values;
        source.CopyTo(values);
        levels.Fill(present);
        return source.Length;
    }

    internal override void Spill(SpillWriter writer) => writer.Write(Values);

    internal override Column Load(SpilledParts parts) => new RequiredColumn<T>(Field, parts.Read<T>());

    internal override void ReturnBuffers() => _values.Return();
}
