using System.Runtime.CompilerServices;
using FxEngine.Data;
using Parquet;
using Parquet.Meta;
using Parquet.Schema;

namespace FxEngine.Sources.Transactions;

/// <summary>
/// The memory a row group takes while it is read and normalized, estimated from its footer
/// before it is read: Parquet.Net 6.1 decodes a column chunk whole, so a row group's decoded
/// columns are in memory at once, whatever its size. An estimate, not a bound: it is what the
/// read stage admits row groups by (<see cref="Pipeline.MemoryGate"/>).
/// </summary>
internal static class RowGroupFootprint
{
    /// <summary>Bytes per text value besides its characters: the slice, Parquet.Net's own array for the value while it decodes, and the null level.</summary>
    private const long TextOverhead = 48;

    /// <summary>Characters reckoned for a value whose chunk says nothing better: a shorter guess lets too many row groups in.</summary>
    private const long UnknownCharacters = 32;

    /// <summary>The estimate for a row group of <paramref name="fields"/>.</summary>
    public static long Estimate(ParquetRowGroupReader group, IEnumerable<DataField> fields)
    {
        var rows = group.RowCount;
        long bytes = 0;
        foreach (var field in fields)
            bytes += rows * PerRow(field, group.GetMetadata(field)?.MetaData, rows);
        return bytes;
    }

    /// <summary>
    /// Bytes per row of one column: text is held as UTF-16 twice while it decodes (each value in
    /// an array of its own, then packed), so four bytes a character (<see cref="Characters"/>); a
    /// primitive twice its size (Parquet.Net's values and the column's) and the levels of a
    /// nullable one.
    /// </summary>
    private static long PerRow(DataField field, ColumnMetaData? chunk, long rows)
    {
        var levels = field.IsNullable ? sizeof(int) + sizeof(bool) : 0;
        if (Column.IsText(field.ClrType))
            return TextOverhead + 4 * Characters(chunk, rows);
        return 2 * ValueSize(field) + levels;
    }

    /// <summary>
    /// A text value's characters on average, reckoned as UTF-8 bytes: from the chunk's size
    /// statistics when its writer kept them (the values' bytes as decoded, however encoded); for a
    /// plain chunk from its size; for a dictionary-encoded one, whose size is the distinct values
    /// and the indexes, from the longer of its min and max values, when the footer has them.
    /// </summary>
    private static long Characters(ColumnMetaData? chunk, long rows)
    {
        if (chunk is null || rows == 0)
            return UnknownCharacters;
        if (chunk.SizeStatistics?.UnencodedByteArrayDataBytes is { } decoded)
            return Math.Max(1, decoded / rows);
        var dictionary = chunk.DictionaryPageOffset is not null
            || chunk.Encodings.Any(e => e is Encoding.PLAIN_DICTIONARY or Encoding.RLE_DICTIONARY);
        if (!dictionary)
            return Math.Max(1, chunk.TotalUncompressedSize / rows - sizeof(int));
        var longest = Math.Max(chunk.Statistics?.MaxValue?.Length ?? 0, chunk.Statistics?.MinValue?.Length ?? 0);
        return longest > 0 ? longest : UnknownCharacters;
    }

    /// <summary>Bytes per row of a column the file lacks, which the merged schema fills with nulls: an empty value and its null flag.</summary>
    public static long AbsentPerRow(DataField field) => (Column.IsText(field.ClrType) ? 16 : ValueSize(field)) + sizeof(bool);

    /// <summary>A value's size in memory; a wide decimal is read as a BigDecimal first.</summary>
    private static long ValueSize(DataField field) => WideDecimalReader.Applies(field)
        ? 64
        : PrimitiveTypes.With<long, SizeOf>(field.ClrType, default, () => 16);

    private readonly struct SizeOf : PrimitiveTypes.IWith<long>
    {
        public long Make<T>() where T : struct => Unsafe.SizeOf<T>();
    }
}
