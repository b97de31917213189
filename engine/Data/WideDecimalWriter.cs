using Parquet;
using Parquet.Data;
using Parquet.Schema;

namespace FxEngine.Data;

/// <summary>
/// Writes DECIMAL columns wider than 18 digits (a 16-byte FIXED_LEN_BYTE_ARRAY, as fx_rate's
/// DECIMAL(38,18)) through Parquet.Net's <see cref="BigDecimal"/> path, converting each distinct
/// value once. Parquet.Net 6.1 converts every decimal of such a column through BigInteger
/// arithmetic (about 340 ns and 130 allocated bytes a value, measured in ParquetColumnBenchmark),
/// while a run's rates take a few thousand distinct values. The bytes written are the same: the
/// library's decimal path is BigDecimal.FromDecimal then the BigDecimal encoder.
/// </summary>
internal static class WideDecimalWriter
{
    /// <summary>Whether a field is written this way: a decimal Parquet stores in more than 8 bytes.</summary>
    public static bool Applies(DataField field) =>
        field is DecimalDataField { Precision: > 18 } and not BigDecimalDataField && field.ClrType == typeof(decimal) && !field.IsArray;

    /// <summary>The field a file's schema holds instead: same name, precision, scale and nullability, BigDecimal values.</summary>
    public static DataField SchemaField(DataField field) =>
        Applies(field) && field is DecimalDataField d ? new BigDecimalDataField(d.Name, d.Precision, d.Scale, d.IsNullable) : field;

    private const int MaxCached = 4_096;

    /// <summary>Writes a decimal column (required or optional) as the column chunk of <paramref name="field"/>.</summary>
    public static Task WriteAsync(BigDecimalDataField field, Column column, ParquetRowGroupWriter writer, CancellationToken cancellationToken)
    {
        // Rates repeat (one per currency and day); an amount column's values mostly do not, so
        // the cache stops growing at a size that pays for rates and costs little for amounts.
        var seen = new Dictionary<decimal, BigDecimal>();
        BigDecimal Convert(decimal value)
        {
            if (seen.TryGetValue(value, out var big))
                return big;
            big = BigDecimal.FromDecimal(value, field.Precision, field.Scale);
            if (seen.Count < MaxCached)
                seen[value] = big;
            return big;
        }
        int Fill(Span<BigDecimal> values, Span<int> levels, int present)
        {
            var count = 0;
            switch (column)
            {
                case RequiredColumn<decimal> required:
                    foreach (var value in required.Values)
                        values[count++] = Convert(value);
                    levels.Fill(present);
                    break;
                case OptionalColumn<decimal> optional:
                    var row = 0;
                    foreach (var value in optional.Values)
                    {
                        if (value is { } given)
                            values[count++] = Convert(given);
                        else if (levels.IsEmpty)
                            throw new InvalidOperationException($"column '{field.Name}' is not nullable but holds a missing value");
                        if (!levels.IsEmpty)
                            levels[row] = value.HasValue ? present : present - 1;
                        row++;
                    }
                    break;
                default:
                    throw new InvalidOperationException($"column '{field.Name}' holds {column.GetType().Name}, not decimals");
            }
            return count;
        }
        return ColumnChunkWriter.WriteAsync<BigDecimal>(field, column.Length, Fill, writer, cancellationToken);
    }
}
