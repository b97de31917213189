using FxEngine.Storage;
using FxEngine.Transforms;
using Parquet;
using Parquet.Schema;

namespace FxEngine.Plan;

/// <summary>
/// Writes the forward-filled rate table as one small Parquet file for the SQL executors:
/// per calendar day and currency, the snapshot date used and the exact conversion factor
/// (target per unit of the currency) as an integer numerator and denominator, plus the
/// rounded rate shown in <c>fx_rate</c>.
/// </summary>
internal static class RateTableWriter
{
    public static async Task WriteAsync(RateTable rates, IObjectStore store, string key, CancellationToken cancellationToken)
    {
        var rows = rates.Rows().ToList();
        var fields = new DataField[]
        {
            new DataField<DateOnly>("day", nullable: false),
            new DataField<string>("currency", nullable: false),
            new DataField<DateOnly>("rate_date", nullable: false),
            new DecimalDataField("factor_num", 38, 0),
            new DecimalDataField("factor_den", 38, 0),
            new DecimalDataField("fx_rate", OutputSchema.RatePrecision, OutputSchema.RateScale),
        };
        await using var upload = await store.CreateAsync(key, cancellationToken).ConfigureAwait(false);
        await using (var writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields), upload.Stream, new ParquetOptions { CompressionMethod = CompressionMethod.Snappy }, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            using var group = writer.CreateRowGroup();
            await group.WriteAsync<DateOnly>(fields[0], rows.Select(r => r.Day).ToArray().AsMemory(), null, null, cancellationToken).ConfigureAwait(false);
            await group.WriteAsync(fields[1], rows.Select(r => r.Currency).ToArray(), null).ConfigureAwait(false);
            await group.WriteAsync<DateOnly>(fields[2], rows.Select(r => r.Entry.RateDate).ToArray().AsMemory(), null, null, cancellationToken).ConfigureAwait(false);
            await group.WriteAsync<decimal>(fields[3], rows.Select(r => Whole(r.Entry.Conversion.Numerator)).ToArray().AsMemory(), null, null, cancellationToken).ConfigureAwait(false);
            await group.WriteAsync<decimal>(fields[4], rows.Select(r => Whole(r.Entry.Conversion.Denominator)).ToArray().AsMemory(), null, null, cancellationToken).ConfigureAwait(false);
            await group.WriteAsync<decimal>(fields[5], rows.Select(r => r.Entry.Rate).ToArray().AsMemory(), null, null, cancellationToken).ConfigureAwait(false);
            group.CompleteValidate();
        }
        await upload.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private static decimal Whole(System.Numerics.BigInteger value) =>
        value <= (System.Numerics.BigInteger)decimal.MaxValue
            ? (decimal)value
            : throw new FxException($"a conversion factor has {value.ToString().Length} digits, more than the SQL rate table holds; use the engine executor");
}
