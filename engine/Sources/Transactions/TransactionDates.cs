using System.Threading.Channels;
using FxEngine.Data;
using FxEngine.Storage;
using FxEngine.Transforms;

namespace FxEngine.Sources.Transactions;

/// <summary>The range of transaction dates in an input, so rates can be fetched for exactly those days.</summary>
public static class TransactionDates
{
    /// <summary>The first and last valid date, or null when no row has one.</summary>
    public static async Task<(DateOnly First, DateOnly Last)?> RangeAsync(IObjectStore store, string dateColumn, CancellationToken cancellationToken)
    {
        DateOnly? first = null, last = null;
        foreach (var unit in await InputDiscovery.FindAsync(store, cancellationToken).ConfigureAwait(false))
        {
            foreach (var day in await DayNumbersAsync(store, unit, dateColumn, cancellationToken).ConfigureAwait(false))
            {
                if (day == KeyColumns.NoDay)
                    continue;
                var date = DateOnly.FromDayNumber(day);
                if (first is null || date < first) first = date;
                if (last is null || date > last) last = date;
            }
        }
        return first is null ? null : (first.Value, last!.Value);
    }

    private static async Task<IEnumerable<int>> DayNumbersAsync(IObjectStore store, InputUnit unit, string dateColumn, CancellationToken cancellationToken)
    {
        if (unit.Format == InputFormat.Parquet)
        {
            // Only the date column: the rest of the row group is never decoded.
            await using var reader = await InputDiscovery.OpenParquetAsync(store, unit.Key, cancellationToken).ConfigureAwait(false);
            var field = reader.Schema.GetDataFields().FirstOrDefault(f => f.Name == dateColumn)
                ?? throw new FxException($"{unit.Describe(store)}: date column '{dateColumn}' not found; name it with --date-column");
            var column = await Column.ReadAsync(reader.OpenRowGroupReader(unit.RowGroup), field, cancellationToken).ConfigureAwait(false);
            KeyColumns.Validate(field.ClrType, field.Name, "date", unit.Describe(store));
            return KeyColumns.DayNumbers(column);
        }

        var batches = Channel.CreateUnbounded<ColumnBatch>();
        await BatchReader.ReadAsync(store, unit, batches.Writer, cancellationToken).ConfigureAwait(false);
        batches.Writer.Complete();
        var days = new List<int>();
        await foreach (var batch in batches.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            var column = batch.Find(dateColumn) ?? throw new FxException($"{batch.Origin}: date column '{dateColumn}' not found; name it with --date-column");
            days.AddRange(KeyColumns.DayNumbers(column));
        }
        return days;
    }
}
