using FxEngine.Data;
using FxEngine.Sources.Transactions;
using FxEngine.Storage;
using FxEngine.Transforms;

namespace FxEngine.Table;

/// <summary>
/// What an input file feeds: its schema and the partitions its rows fall in, from its date
/// column alone (for Parquet only that column is decoded; CSV is streamed).
/// </summary>
internal static class InputScan
{
    public static async Task<InputFileState> ScanAsync(IObjectStore store, ObjectInfo file, string dateColumn, char csvDelimiter, CancellationToken cancellationToken)
    {
        var format = InputDiscovery.FormatOf(file.Key) ?? throw new ArgumentException($"{file.Key} is not an input file", nameof(file));
        var days = new SortedSet<int>();
        string schema;
        if (format == InputFormat.Parquet)
        {
            await using (var reader = await InputDiscovery.OpenParquetAsync(store, file.Key, cancellationToken).ConfigureAwait(false))
                schema = string.Join(", ", reader.Schema.GetDataFields().Select(f => $"{f.Name} {Column.SqlType(f)}"));
            foreach (var unit in await InputDiscovery.FindAsync(store, cancellationToken, file.Key).ConfigureAwait(false))
                days.UnionWith(await TransactionDates.DayNumbersAsync(store, unit, dateColumn, csvDelimiter, cancellationToken).ConfigureAwait(false));
        }
        else
        {
            // CSV has no types: its columns are text whatever the values, so the header is the schema.
            schema = "csv";
            days.UnionWith(await TransactionDates.DayNumbersAsync(store, new InputUnit(file.Key, InputFormat.Csv, -1, -1), dateColumn, csvDelimiter, cancellationToken).ConfigureAwait(false));
        }
        return new InputFileState
        {
            Size = file.Size,
            Version = file.Version,
            Schema = schema,
            Partitions = days.Select(day => day == KeyColumns.NoDay ? TableState.Undated : TableState.PartitionOf(DateOnly.FromDayNumber(day))).Distinct().ToList(),
        };
    }
}
