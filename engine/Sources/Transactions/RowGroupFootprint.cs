using Parquet;
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

    /// <summary>The estimate for a row group of <paramref name="fields"/>.</summary>
    public static long Estimate(ParquetRowGroupReader group, IEnumerable<DataField> fields)
    {
        var rows = group.RowCount;
        long bytes = 0;
        foreach (var field in fields)
            bytes += rows * PerRow(field, group.GetMetadata(field)?.MetaData?.TotalUncompressedSize ?? 0, rows);
        return bytes;
    }

    /// <summary>
    /// Bytes per row of one column: text is held as UTF-16 twice while it decodes (each value in
    /// an array of its own, then packed), so four bytes a character, the characters reckoned from
    /// the chunk's plain size (a dictionary-encoded chunk's is smaller than its text: eight at
    /// least); a primitive twice its size (Parquet.Net's values and the column's) and the levels
    /// of a nullable one.
    /// </summary>
    private static long PerRow(DataField field, long uncompressedBytes, long rows)
    {
        var levels = field.IsNullable ? sizeof(int) + sizeof(bool) : 0;
        if (field.ClrType == typeof(ReadOnlyMemory<char>) || field.ClrType == typeof(string))
        {
            var characters = Math.Max(8, rows == 0 ? 0 : uncompressedBytes / rows - sizeof(int));
            return TextOverhead + 4 * characters;
        }
        return 2 * ValueSize(field) + levels;
    }

    private static long ValueSize(DataField field) => field.ClrType switch
    {
        var t when t == typeof(bool) || t == typeof(byte) || t == typeof(sbyte) => 1,
        var t when t == typeof(short) || t == typeof(ushort) => 2,
        var t when t == typeof(int) || t == typeof(uint) || t == typeof(float) || t == typeof(DateOnly) => 4,
        var t when t == typeof(decimal) && Data.WideDecimalReader.Applies(field) => 64, // read as BigDecimal first
        _ => 16, // decimal, Guid, and the 8-byte types rounded up: an estimate
    };
}
