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
        var days = new HashSet<int>();
        string schema;
        if (format == InputFormat.Parquet)
        {
            // One open, one footer: then only the date column of each row group is decoded.
            await using var reader = await InputDiscovery.OpenParquetAsync(store, file.Key, cancellationToken).ConfigureAwait(false);
            var fields = reader.Schema.GetDataFields();
            schema = string.Join(", ", fields.Select(f => $"{f.Name} {Column.SqlType(f)}"));
            var date = fields.FirstOrDefault(f => f.Name == dateColumn)
                ?? throw new FxException($"{store.Describe(file.Key)}: date column '{dateColumn}' not found; name it with --date-column");
            KeyColumns.Validate(date, "date", store.Describe(file.Key));
            for (var group = 0; group < reader.RowGroupCount; group++)
            {
                using var batch = await ColumnBatch.ReadAsync(reader.OpenRowGroupReader(group), [date], $"{store.Describe(file.Key)} row group {group}", cancellationToken)
                    .ConfigureAwait(false);
                var dayNumbers = new int[batch.RowCount];
                KeyColumns.DayNumbers(batch.Columns[0], dayNumbers);
                days.UnionWith(dayNumbers);
            }
        }
        else
        {
            // CSV has no types: its columns are text whatever the values, so the header is the schema.
            await using (var stream = await store.OpenReadAsync(file.Key, cancellationToken).ConfigureAwait(false))
            using (var text = new StreamReader(stream))
                schema = "csv: " + string.Join(", ", new CsvRecordReader(text, csvDelimiter).Read() ?? []);
            days.UnionWith(await TransactionDates.DayNumbersAsync(store, new InputUnit(file.Key, InputFormat.Csv, -1, -1), dateColumn, csvDelimiter, cancellationToken).ConfigureAwait(false));
        }
        return new InputFileState
        {
            Size = file.Size,
            Version = file.Version,
            Schema = schema,
            Partitions = days.Order().Select(day => day == KeyColumns.NoDay ? TableState.Undated : TableState.PartitionOf(DateOnly.FromDayNumber(day))).Distinct().ToList(),
        };
    }
}
