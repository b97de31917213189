using System.Buffers;
using System.Numerics;
using Parquet;
using Parquet.Data;
using Parquet.Schema;

namespace FxEngine.Data;

/// <summary>
/// Reads a DECIMAL wider than a .NET decimal always holds (more than 28 digits, as Spark's default
/// DECIMAL(38,18)). Parquet.Net's decimal read rounds a value of more significant digits to 28 or
/// 29 without a word (123456789012.004999999999999999 becomes ...005, and converts to a cent
/// more); here each value is read as Parquet.Net's <see cref="BigDecimal"/> and converted exactly,
/// and one a decimal cannot hold fails the read, which the caller names with its file and row group.
/// </summary>
internal static class WideDecimalReader
{
    private const int MaxScale = 28;
    private const int MaxDigits = 28;
    private static readonly BigInteger MaxUnscaled = (BigInteger.One << 96) - 1;

    /// <summary>
    /// A top-level decimal column of more digits than a decimal holds. A field inside a struct keeps
    /// Parquet.Net's own read: the mirror field below would be looked up by its bare name.
    /// </summary>
    public static bool Applies(DataField field) =>
        field is DecimalDataField { Precision: > MaxDigits } and not BigDecimalDataField && field.ClrType == typeof(decimal) && !field.IsArray && field.Path.Length == 1;

    public static async Task<Column> ReadAsync(ParquetRowGroupReader reader, DataField field, int rows, CancellationToken cancellationToken)
    {
        // The same column read as BigDecimal values (the field the writer uses for it), through a schema
        // of its own (which gives it the definition levels of a top-level column, as the file's field has).
        var wide = (BigDecimalDataField)WideDecimalWriter.SchemaField(field);
        _ = new ParquetSchema(wide);
        // Both buffers rented, as every other column's: a row group's are large objects.
        if (!field.IsNullable)
        {
            var read = ArrayPool<BigDecimal>.Shared.Rent(rows);
            var values = ColumnBuffer<decimal>.Rent(rows);
            try
            {
                await reader.ReadAsync<BigDecimal>(wide, read.AsMemory(0, rows), null, cancellationToken).ConfigureAwait(false);
                var exact = values.Writable.Span;
                for (var i = 0; i < rows; i++)
                    exact[i] = Exact(read[i]);
                return new RequiredColumn<decimal>(field, values);
            }
            catch
            {
                values.Return();
                throw;
            }
            finally
            {
                ArrayPool<BigDecimal>.Shared.Return(read, clearArray: true);
            }
        }
        var optional = ArrayPool<BigDecimal?>.Shared.Rent(rows);
        var nullable = ColumnBuffer<decimal?>.Rent(rows);
        try
        {
            await reader.ReadAsync<BigDecimal>(wide, optional.AsMemory(0, rows), null, cancellationToken).ConfigureAwait(false);
            var exact = nullable.Writable.Span;
            for (var i = 0; i < rows; i++)
                exact[i] = optional[i] is { } value ? Exact(value) : null;
            return new OptionalColumn<decimal>(field, nullable);
        }
        catch
        {
            nullable.Return();
            throw;
        }
        finally
        {
            ArrayPool<BigDecimal?>.Shared.Return(optional, clearArray: true);
        }
    }

    /// <summary>The value as a decimal, exactly: trailing zeros beyond what a decimal holds may go, a significant digit may not.</summary>
    internal static decimal Exact(BigDecimal value)
    {
        var (unscaled, scale) = (value.UnscaledValue, value.Scale);
        while (scale > MaxScale || BigInteger.Abs(unscaled) > MaxUnscaled)
        {
            var quotient = BigInteger.DivRem(unscaled, 10, out var remainder);
            if (scale == 0 || !remainder.IsZero)
                throw new FxException($"the value {value} has more significant digits than the engine carries exactly (a .NET decimal: 28); " +
                    "use --engine duckdb, which reads it exactly, or a narrower decimal");
            (unscaled, scale) = (quotient, scale - 1);
        }
        Span<byte> bytes = stackalloc byte[16];
        BigInteger.Abs(unscaled).TryWriteBytes(bytes, out _, isUnsigned: true);
        return new decimal(BitConverter.ToInt32(bytes), BitConverter.ToInt32(bytes[4..]), BitConverter.ToInt32(bytes[8..]), unscaled.Sign < 0, (byte)scale);
    }
}
