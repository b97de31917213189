using System.Globalization;
using System.Threading.Channels;
using FxEngine.Data;
using FxEngine.Storage;
using Parquet.Schema;

namespace FxEngine.Sources.Transactions;

/// <summary>
/// Reads one input unit into column batches: a Parquet row group is one batch; a CSV file
/// streams as batches of <see cref="CsvBatchRows"/> rows, so memory never holds a whole file.
/// </summary>
internal static class BatchReader
{
    public const int CsvBatchRows = 65_536;

    /// <summary>
    /// Reads a unit; <paramref name="csvDelimiter"/> separates the fields of CSV files. With
    /// <paramref name="files"/> (the run's open Parquet files) a row group is read through a reader
    /// discovery already opened, rather than reading the file's footer again.
    /// </summary>
    public static Task ReadAsync(IObjectStore store, InputUnit unit, ChannelWriter<ColumnBatch> output, CancellationToken cancellationToken, char csvDelimiter = ',',
        ParquetFiles? files = null) =>
        ReadAsync(store, unit, async (batch, token) =>
        {
            try
            {
                await output.WriteAsync(batch, token).ConfigureAwait(false);
            }
            catch
            {
                batch.Dispose(); // not handed on: its buffers would never go back
                throw;
            }
        }, cancellationToken, csvDelimiter, files);

    /// <summary>
    /// Reads a unit, handing each batch to <paramref name="consume"/> before reading the next, so
    /// a worker that reads and processes holds one batch at a time; the consumer owns the batch.
    /// </summary>
    public static Task ReadAsync(IObjectStore store, InputUnit unit, Func<ColumnBatch, CancellationToken, ValueTask> consume, CancellationToken cancellationToken,
        char csvDelimiter = ',', ParquetFiles? files = null) =>
        unit.Format == InputFormat.Parquet
            ? ReadRowGroupAsync(files ?? new ParquetFiles(store), unit, consume, cancellationToken)
            : ReadCsvAsync(store, unit, consume, csvDelimiter, cancellationToken);

    private static async Task ReadRowGroupAsync(ParquetFiles files, InputUnit unit, Func<ColumnBatch, CancellationToken, ValueTask> output, CancellationToken cancellationToken)
    {
        var origin = unit.Describe(files.Store);
        ColumnBatch batch;
        var reader = await files.OpenAsync(unit.Key, cancellationToken).ConfigureAwait(false);
        try
        {
            batch = await ColumnBatch.ReadAsync(reader.OpenRowGroupReader(unit.RowGroup), reader.Schema.GetDataFields(), origin, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await files.ReturnAsync(unit.Key, reader).ConfigureAwait(false);
        }
        try
        {
            if (unit.Schema is { } merged)
                batch = InputSchema.Conform(batch, merged);
        }
        catch
        {
            batch.Dispose(); // not handed on: its buffers would never go back
            throw;
        }
        await output(batch, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// CSV with a header row. Every column is a nullable string (an empty field is null) in an
    /// untyped batch: the normalizer parses dates and amounts with the invariant culture and
    /// types them in its output.
    /// </summary>
    private static async Task ReadCsvAsync(IObjectStore store, InputUnit unit, Func<ColumnBatch, CancellationToken, ValueTask> output, char delimiter, CancellationToken cancellationToken)
    {
        var origin = store.Describe(unit.Key);
        await using var stream = await store.OpenReadAsync(unit.Key, cancellationToken).ConfigureAwait(false);
        using var text = new StreamReader(stream, bufferSize: 1 << 16);
        var csv = new CsvRecordReader(text, delimiter);
        // Only the reading of records is the CSV's to blame: what the consumer throws goes on as it is.
        List<string>? Next()
        {
            try
            {
                return csv.Read();
            }
            catch (FormatException ex)
            {
                throw new FxException($"{origin} {ex.Message}", ex);
            }
        }
        var header = Next() ?? throw new FxException($"{origin}: the CSV file is empty (expected a header row)");
        if (header.Distinct(StringComparer.Ordinal).Count() != header.Count)
            throw new FxException($"{origin}: the CSV header repeats a column name");
        var fields = header.Select(name => (DataField)new DataField<string>(name, nullable: true)).ToArray();

        var values = NewBuffers(fields.Length);
        var firstLine = 2L;
        var lastLine = 1L;
        while (Next() is { } record)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (record.Count != fields.Length)
                throw new FxException($"{origin} line {csv.RecordLine}: {record.Count} fields where the header has {fields.Length}{DelimiterHint(header, delimiter)}");
            if (values[0].Count == 0)
                firstLine = csv.RecordLine; // not the last line + 1: a quoted field may span lines
            for (var c = 0; c < fields.Length; c++)
                values[c].Add(record[c].Length == 0 ? null : record[c]);
            lastLine = csv.RecordLine;
            if (values[0].Count == CsvBatchRows)
            {
                await output(ToBatch($"{origin} {Lines(firstLine, lastLine)}", fields, values), cancellationToken).ConfigureAwait(false);
                values = NewBuffers(fields.Length);
            }
        }
        if (values[0].Count > 0)
            await output(ToBatch($"{origin} {Lines(firstLine, lastLine)}", fields, values), cancellationToken).ConfigureAwait(false);
    }

    private static string Lines(long first, long last) => first == last ? $"line {first}" : $"lines {first}-{last}";

    /// <summary>A header naming its columns with another usual separator points at the wrong --csv-delimiter.</summary>
    private static string DelimiterHint(List<string> header, char delimiter)
    {
        foreach (var (candidate, shown) in new[] { (';', ";"), ('\t', "\\t"), ('|', "|"), (',', ",") })
            if (candidate != delimiter && header.Any(name => name.Contains(candidate, StringComparison.Ordinal)))
                return $" (the header contains '{shown}': if that separates the fields, pass --csv-delimiter '{shown}')";
        return "";
    }

    private static List<string?>[] NewBuffers(int columns) =>
        Enumerable.Range(0, columns).Select(_ => new List<string?>(CsvBatchRows)).ToArray();

    private static ColumnBatch ToBatch(string origin, DataField[] fields, List<string?>[] values) =>
        new(origin, fields.Select((field, c) => (Column)new StringColumn(field, values[c].ToArray())).ToList(), untyped: true);
}
