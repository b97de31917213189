using System.Buffers;
using Parquet;
using Parquet.Schema;

namespace FxEngine.Data;

/// <summary>A column of a primitive type (number, date, time, bool, UUID) where a row may have no value.</summary>
internal sealed class OptionalColumn<T> : Column where T : struct
{
    private readonly ColumnBuffer<T?> _values;

    /// <summary>A column that owns <paramref name="values"/> (a rented buffer it returns, or a plain one).</summary>
    internal OptionalColumn(DataField field, ColumnBuffer<T?> values) : base(field) => _values = values;

    /// <summary>A column that owns <paramref name="values"/>.</summary>
    public OptionalColumn(DataField field, T?[] values) : this(field, new ColumnBuffer<T?>(values)) { }

    /// <summary>Reads a row group's column into a buffer rented from <paramref name="pool"/> (the shared pool by default).</summary>
    public static async Task<Column> ReadAsync(ParquetRowGroupReader reader, DataField field, int rows, CancellationToken cancellationToken, ArrayPool<T?>? pool = null)
    {
        var values = ColumnBuffer<T?>.Rent(rows, pool);
        try
        {
            await reader.ReadAsync<T>(field, values.Writable, null, cancellationToken).ConfigureAwait(false);
            WallClockTimestamps.RetagOptional(field, values.Writable.Span);
            return new OptionalColumn<T>(field, values);
        }
        catch
        {
            values.Return();
            throw;
        }
    }

    public ReadOnlySpan<T?> Values => _values.Span;

    public override int Length => _values.Length;

    internal override Column Gather(ReadOnlySpan<int> rows) => new OptionalColumn<T>(Field, _values.Gather(rows));

    internal override Column?[] Split(int first, ReadOnlySpan<int> groupOf, ReadOnlySpan<int> sizes) =>
        _values.Split(first, groupOf, sizes).Select(values => values is null ? null : new OptionalColumn<T>(Field, values)).ToArray();

    internal override Task WriteAsync(ParquetRowGroupWriter writer, CancellationToken cancellationToken) =>
        ColumnChunkWriter.WriteAsync<T>(Field, Length, Fill, writer, cancellationToken);

    private int Fill(Span<T> values, Span<int> levels, int present)
    {
        var source = Values;
        var count = 0;
        for (var i = 0; i < source.Length; i++)
        {
            if (source[i] is { } value)
                values[count++] = value;
            else if (levels.IsEmpty)
                throw MissingValue(Field);
            if (!levels.IsEmpty)
                levels[i] = source[i].HasValue ? present : present - 1;
        }
        return count;
    }

    /// <summary>Presence flags, then the values (a default where missing): a nullable value has no fixed byte layout to copy.</summary>
    internal override void Spill(SpillWriter writer)
    {
        var source = Values;
        var flags = writer.Append<bool>(source.Length);
        for (var i = 0; i < source.Length; i++)
            flags[i] = source[i].HasValue;
        var values = writer.Append<T>(source.Length);
        for (var i = 0; i < source.Length; i++)
            values[i] = source[i].GetValueOrDefault();
    }

    internal override Column Load(SpilledParts parts)
    {
        var flags = parts.Read<bool>();
        var values = parts.Read<T>();
        var result = ColumnBuffer<T?>.Rent(parts.TotalRows);
        var into = result.Writable.Span;
        var present = flags.Span;
        var known = values.Span;
        for (var i = 0; i < into.Length; i++)
            into[i] = present[i] ? known[i] : null;
        flags.Return();
        values.Return();
        return new OptionalColumn<T>(Field, result);
    }

    internal override void ReturnBuffers() => _values.Return();
}
