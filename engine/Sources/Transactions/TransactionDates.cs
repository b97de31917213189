using System.Threading.Channels;
using FxEngine.Data;
using FxEngine.Storage;
using FxEngine.Transforms;

namespace FxEngine.Sources.Transactions;

/// <summary>The transaction dates of an input unit, read from its date column alone.</summary>
internal static class TransactionDates
{
    /// <summary>
    /// The day numbers the rows of one input unit fall on (<see cref="KeyColumns.NoDay"/> for a
    /// missing or invalid date), each once: memory follows the days, not the rows.
    /// </summary>
    internal static async Task<IReadOnlySet<int>> DayNumbersAsync(IObjectStore store, InputUnit unit, string dateColumn, char csvDelimiter, CancellationToken cancellationToken)
    {
        if (unit.Format == InputFormat.Parquet)
        {
            // Only the date column: the rest of the row group is never decoded.
            await using var reader = await InputDiscovery.OpenParquetAsync(store, unit.Key, cancellationToken).ConfigureAwait(false);
            var field = reader.Schema.GetDataFields().FirstOrDefault(f => f.Name == dateColumn)
                ?? throw new FxException($"{unit.Describe(store)}: date column '{dateColumn}' not found; name it with --date-column");
            using var batch = await ColumnBatch.ReadAsync(reader.OpenRowGroupReader(unit.RowGroup), [field], unit.Describe(store), cancellationToken).ConfigureAwait(false);
            KeyColumns.Validate(field, "date", unit.Describe(store));
            var dayNumbers = new int[batch.RowCount];
            KeyColumns.DayNumbers(batch.Columns[0], dayNumbers);
            return dayNumbers.ToHashSet();
        }

        // Streamed through a small channel: a large CSV is never held whole. A reading error
        // completes the channel and surfaces below; stopping early cancels the reader.
        var batches = Channel.CreateBounded<ColumnBatch>(2);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var reading = Task.Run(async () =>
        {
            try
            {
                await BatchReader.ReadAsync(store, unit, batches.Writer, stop.Token, csvDelimiter).ConfigureAwait(false);
                batches.Writer.Complete();
            }
            catch (Exception ex)
            {
                batches.Writer.Complete(ex);
            }
        }, CancellationToken.None);
        var days = new HashSet<int>();
        try
        {
            await foreach (var read in batches.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                using var batch = read;
                var column = batch.Find(dateColumn) ?? throw new FxException($"{batch.Origin}: date column '{dateColumn}' not found; name it with --date-column");
                KeyColumns.Validate(column.Field, "date", batch.Origin);
                var batchDays = new int[column.Length];
                KeyColumns.DayNumbers(column, batchDays);
                days.UnionWith(batchDays);
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await reading.ConfigureAwait(false);
        }
        return days;
    }
}
