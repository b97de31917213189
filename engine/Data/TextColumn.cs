using System.Buffers;
using Parquet;
using Parquet.Schema;

namespace FxEngine.Data;

/// <summary>
/// A UTF-8 column read from Parquet: each value is a slice of one character buffer (no string
/// or array per value), with a null flag per row when the field is nullable.
/// </summary>
internal sealed class TextColumn : Column
{
    private readonly ColumnBuffer<ReadOnlyMemory<char>> _values;
    private readonly ColumnBuffer<bool>? _nulls;

    /// <summary>The rented buffer the values are slices of, when the column owns one (read from Parquet or loaded from a spill).</summary>
    private readonly ColumnBuffer<char>? _chars;

    private TextColumn(DataField field, ColumnBuffer<ReadOnlyMemory<char>> values, ColumnBuffer<bool>? nulls, ColumnBuffer<char>? chars = null) : base(field)
    {
        _values = values;
        _nulls = nulls;
        _chars = chars;
    }

    /// <summary>A column of only nulls: a text column some input files lack.</summary>
    public static TextColumn AllNull(DataField field, int rows)
    {
        var nulls = new bool[rows];
        Array.Fill(nulls, true);
        return new TextColumn(field, new ColumnBuffer<ReadOnlyMemory<char>>(new ReadOnlyMemory<char>[rows]), new ColumnBuffer<bool>(nulls));
    }

    /// <summary>A copy under another field (the merged schema's, nullable where this file's was required), characters included: this column's buffers may go back to the pool.</summary>
    public TextColumn CopyAs(DataField field)
    {
        var values = new ReadOnlyMemory<char>[Length];
        Pack(Values, new char[CharCount(Values)], values);
        var nulls = _nulls is not null ? _nulls.Span.ToArray() : field.IsNullable ? new bool[Length] : null;
        return new TextColumn(field, new ColumnBuffer<ReadOnlyMemory<char>>(values), nulls is null ? null : new ColumnBuffer<bool>(nulls));
    }

    /// <summary>The values' characters in all (checked: a column's characters fit one array).</summary>
    private static int CharCount(ReadOnlySpan<ReadOnlyMemory<char>> values)
    {
        var chars = 0;
        foreach (var value in values)
            chars = checked(chars + value.Length);
        return chars;
    }

    /// <summary>Copies each value's characters into <paramref name="buffer"/>, one after another, and points <paramref name="into"/> at the copies.</summary>
    private static void Pack(ReadOnlySpan<ReadOnlyMemory<char>> values, Memory<char> buffer, Span<ReadOnlyMemory<char>> into)
    {
        var at = 0;
        var target = buffer.Span;
        for (var i = 0; i < values.Length; i++)
        {
            var value = values[i];
            value.Span.CopyTo(target[at..]);
            into[i] = buffer.Slice(at, value.Length);
            at += value.Length;
        }
    }

    /// <summary>
    /// Reads a row group's column into buffers rented from the shared pool. Parquet.Net 6.1
    /// decodes each value into a <c>char[]</c> of its own; they are packed into one rented buffer
    /// at once, so that a quarter-million small arrays die young instead of living (and being
    /// promoted, then traced) for as long as the row group is normalized.
    /// </summary>
    public static async Task<Column> ReadAsync(ParquetRowGroupReader reader, DataField field, int rows, CancellationToken cancellationToken)
    {
        var values = ColumnBuffer<ReadOnlyMemory<char>>.Rent(rows);
        var nulls = field.IsNullable ? ColumnBuffer<bool>.Rent(rows) : null;
        var levels = nulls is null ? null : ArrayPool<int>.Shared.Rent(rows);
        ColumnBuffer<char>? chars = null;
        try
        {
            if (levels is null)
            {
                await reader.ReadAsync<ReadOnlyMemory<char>>(field, values.Writable, null, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                // Parquet holds the non-null values first; spread them out to their rows in place.
                await reader.ReadRawAsync<ReadOnlyMemory<char>>(field, values.Writable, levels.AsMemory(0, rows), null, cancellationToken).ConfigureAwait(false);
                Spread(values.Writable.Span, nulls!.Writable.Span, levels.AsSpan(0, rows), field.MaxDefinitionLevel);
            }
            chars = ColumnBuffer<char>.Rent(CharCount(values.Span));
            Pack(values.Span, chars.Writable, values.Writable.Span);
            return new TextColumn(field, values, nulls, chars);
        }
        catch
        {
            values.Return();
            nulls?.Return();
            chars?.Return();
            throw;
        }
        finally
        {
            if (levels is not null)
                ArrayPool<int>.Shared.Return(levels);
        }
    }

    private static void Spread(Span<ReadOnlyMemory<char>> values, Span<bool> nulls, ReadOnlySpan<int> levels, int present)
    {
        var next = 0;
        foreach (var level in levels)
            if (level == present)
                next++;
        for (var row = levels.Length - 1; row >= 0; row--)
        {
            nulls[row] = levels[row] != present;
            values[row] = nulls[row] ? default : values[--next];
        }
    }

    /// <summary>Each row's text; a missing value is empty here and flagged in <see cref="Nulls"/>.</summary>
    public ReadOnlySpan<ReadOnlyMemory<char>> Values => _values.Span;

    /// <summary>Whether each row's value is missing; empty when the field is not nullable.</summary>
    public ReadOnlySpan<bool> Nulls => _nulls is null ? default : _nulls.Span;

    public override int Length => _values.Length;

    /// <summary>
    /// The gathered rows' characters are copied into one buffer of their own, so rows waiting
    /// in a partition do not keep whole input row groups alive: memory follows buffered rows.
    /// </summary>
    internal override Column Gather(ReadOnlySpan<int> rows)
    {
        var values = _values.Gather(rows);
        Pack(values, new char[CharCount(values)], values);
        var nulls = _nulls is null ? null : new ColumnBuffer<bool>(_nulls.Gather(rows));
        return new TextColumn(Field, new ColumnBuffer<ReadOnlyMemory<char>>(values), nulls);
    }

    /// <summary>Each group's characters are copied into one buffer of its own, as <see cref="Gather"/> does.</summary>
    internal override Column?[] Split(int first, ReadOnlySpan<int> groupOf, ReadOnlySpan<int> sizes)
    {
        var values = _values.Split(first, groupOf, sizes);
        var nulls = _nulls?.Split(first, groupOf, sizes);
        var split = new Column?[sizes.Length];
        for (var g = 0; g < sizes.Length; g++)
            if (values[g] is { } group)
            {
                Pack(group, new char[CharCount(group)], group);
                split[g] = new TextColumn(Field, new ColumnBuffer<ReadOnlyMemory<char>>(group), nulls is null ? null : new ColumnBuffer<bool>(nulls[g]!));
            }
        return split;
    }

    /// <summary>Lengths, then the characters, then the null flags when the column has them.</summary>
    internal override void Spill(SpillWriter writer)
    {
        var source = Values;
        var lengths = writer.Append<int>(source.Length);
        for (var i = 0; i < source.Length; i++)
            lengths[i] = source[i].Length;
        var chars = writer.Append<char>(CharCount(source));
        foreach (var value in source)
        {
            value.Span.CopyTo(chars);
            chars = chars[value.Length..];
        }
        writer.Write(_nulls is null ? 0 : 1);
        if (_nulls is not null)
            writer.Write(_nulls.Span);
    }

    internal override Column Load(SpilledParts parts)
    {
        var lengths = parts.Read<int>();
        var chars = parts.Read<char>(CharsPerPart(parts.Rows, lengths.Span));
        var rows = parts.TotalRows;
        var values = ColumnBuffer<ReadOnlyMemory<char>>.Rent(rows);
        var into = values.Writable.Span;
        var sizes = lengths.Span;
        var text = chars.Memory;
        var at = 0;
        for (var i = 0; i < rows; i++)
        {
            into[i] = text.Slice(at, sizes[i]);
            at += sizes[i];
        }
        lengths.Return();
        return new TextColumn(Field, values, LoadNulls(parts), chars);
    }

    /// <summary>The parts' null flags in one buffer (all present for a part spilled without them); null when no part has them.</summary>
    private static ColumnBuffer<bool>? LoadNulls(SpilledParts parts)
    {
        var flagged = new bool[parts.Count];
        for (var part = 0; part < parts.Count; part++)
            flagged[part] = parts[part].ReadInt() != 0;
        if (!flagged.Contains(true))
            return null;
        var nulls = ColumnBuffer<bool>.Rent(parts.TotalRows);
        var into = nulls.Writable.Span;
        for (var (part, at) = (0, 0); part < parts.Count; at += parts.Rows[part++])
            if (flagged[part])
                parts[part].Read(into.Slice(at, parts.Rows[part]));
            else
                into.Slice(at, parts.Rows[part]).Clear();
        return nulls;
    }

    internal override Task WriteAsync(ParquetRowGroupWriter writer, CancellationToken cancellationToken) =>
        // A required field is written from the column's own buffer, with no copy at all.
        !Field.IsNullable && _nulls is null
            ? writer.WriteAsync<ReadOnlyMemory<char>>(Field, _values.Memory, null, null, cancellationToken)
            : ColumnChunkWriter.WriteAsync<ReadOnlyMemory<char>>(Field, Length, Fill, writer, cancellationToken);

    private int Fill(Span<ReadOnlyMemory<char>> values, Span<int> levels, int present)
    {
        var source = Values;
        if (_nulls is null)
        {
            source.CopyTo(values);
            levels.Fill(present);
            return source.Length;
        }
        var nulls = _nulls.Span;
        var count = 0;
        for (var i = 0; i < source.Length; i++)
        {
            if (!nulls[i])
                values[count++] = source[i];
            else if (levels.IsEmpty)
                throw MissingValue(Field);
            if (!levels.IsEmpty)
                levels[i] = nulls[i] ? present - 1 : present;
        }
        return count;
    }

    internal override void ReturnBuffers()
    {
        _values.Return();
        _nulls?.Return();
        _chars?.Return();
    }
}
