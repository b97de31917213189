using Parquet;
using Parquet.Schema;

namespace FxEngine.Data;

/// <summary>A column of .NET strings (CSV input, reject reasons and details); null stands for a missing value.</summary>
internal sealed class StringColumn : Column
{
    private readonly ColumnBuffer<string?> _values;

    private readonly bool _shared;

    /// <summary>
    /// A column that owns <paramref name="values"/>; <paramref name="shared"/>: they come from a small
    /// fixed set (reject reasons), so only their references weigh on memory.
    /// </summary>
    public StringColumn(DataField field, string?[] values, bool shared = false) : this(field, new ColumnBuffer<string?>(values), shared) { }

    private StringColumn(DataField field, ColumnBuffer<string?> values, bool shared) : base(field)
    {
        _values = values;
        _shared = shared;
    }

    public ReadOnlySpan<string?> Values => _values.Span;

    public override int Length => _values.Length;

    internal override Column Gather(ReadOnlySpan<int> rows) => new StringColumn(Field, _values.Gather(rows), _shared);

    internal override Column?[] Split(int first, ReadOnlySpan<int> groupOf, ReadOnlySpan<int> sizes) =>
        _values.Split(first, groupOf, sizes).Select(values => values is null ? null : new StringColumn(Field, values, _shared)).ToArray();

    /// <summary>Lengths (-1 for null), then the characters.</summary>
    internal override void Spill(SpillWriter writer)
    {
        var source = Values;
        var lengths = writer.Append<int>(source.Length);
        var total = 0;
        for (var i = 0; i < source.Length; i++)
            total += Math.Max(0, lengths[i] = source[i]?.Length ?? -1);
        var chars = writer.Append<char>(total);
        foreach (var value in source)
            if (value is not null)
            {
                value.CopyTo(chars);
                chars = chars[value.Length..];
            }
    }

    /// <summary>Equal values read back as one string each, so repeated codes do not become a string per row.</summary>
    internal override Column Load(SpilledParts parts)
    {
        var lengths = parts.Read<int>();
        var chars = parts.Read<char>(CharsPerPart(parts.Rows, lengths.Span));
        var seen = new Dictionary<string, string>(StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();
        var rows = parts.TotalRows;
        var values = ColumnBuffer<string?>.Rent(rows);
        var into = values.Writable.Span;
        var sizes = lengths.Span;
        var text = chars.Span;
        var at = 0;
        for (var i = 0; i < rows; i++)
        {
            if (sizes[i] < 0)
            {
                into[i] = null;
                continue;
            }
            var value = text.Slice(at, sizes[i]);
            at += sizes[i];
            if (!seen.TryGetValue(value, out var known))
                seen[value] = known = value.ToString();
            into[i] = known;
        }
        lengths.Return();
        chars.Return();
        return new StringColumn(Field, values, _shared);
    }

    /// <summary>Written as character slices of the strings themselves: no string is copied.</summary>
    internal override Task WriteAsync(ParquetRowGroupWriter writer, CancellationToken cancellationToken) =>
        ColumnChunkWriter.WriteAsync<ReadOnlyMemory<char>>(Field, Length, Fill, writer, cancellationToken);

    private int Fill(Span<ReadOnlyMemory<char>> values, Span<int> levels, int present)
    {
        var source = Values;
        var count = 0;
        for (var i = 0; i < source.Length; i++)
        {
            if (source[i] is { } value)
                values[count++] = value.AsMemory();
            else if (levels.IsEmpty)
                throw MissingValue(Field);
            if (!levels.IsEmpty)
                levels[i] = source[i] is null ? present - 1 : present;
        }
        return count;
    }

    internal override void ReturnBuffers() => _values.Return();
}
