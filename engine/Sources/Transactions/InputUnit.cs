using FxEngine.Storage;
using Parquet;

namespace FxEngine.Sources.Transactions;

internal enum InputFormat { Parquet, Csv }

/// <summary>
/// One piece of input a worker reads on its own: a Parquet row group, or a whole CSV file
/// (read as a stream of batches). Rows is known up front for Parquet, -1 for CSV.
/// </summary>
internal sealed record InputUnit(string Key, InputFormat Format, int RowGroup, long Rows)
{
    /// <summary>
    /// The schema every Parquet unit's batches take when the input's files differ (merged by
    /// column name, see <see cref="InputSchema"/>); null when they all agree, or for CSV.
    /// </summary>
    public IReadOnlyList<Parquet.Schema.DataField>? Schema { get; init; }

    /// <summary>Bytes a Parquet unit is estimated to take while read and normalized (<see cref="RowGroupFootprint"/>); 0 for CSV, read in batches of a fixed size.</summary>
    public long Footprint { get; init; }

    public string Describe(IObjectStore store) =>
        Format == InputFormat.Parquet ? $"{store.Describe(Key)} row group {RowGroup}" : store.Describe(Key);
}

/// <summary>Finds the input files under a location and splits them into units.</summary>
internal static class InputDiscovery
{
    internal static readonly ParquetOptions ReadOptions = new() { UseDateOnlyTypeForDates = true, TreatByteArrayAsString = true };

    /// <summary>
    /// Every .parquet and .csv object under the store's root (or just <paramref name="only"/>),
    /// skipping names that start with '_' or '.' (Spark's and Hadoop's markers and staging
    /// folders), split into units.
    /// </summary>
    public static async Task<IReadOnlyList<InputUnit>> FindAsync(IObjectStore store, CancellationToken cancellationToken, string? only = null)
    {
        var files = await ListFilesAsync(store, only, cancellationToken).ConfigureAwait(false);
        return await UnitsAsync(store, files, files, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Every input file under the store's root (or just <paramref name="only"/>), with its size and version.</summary>
    public static async Task<IReadOnlyList<ObjectInfo>> ListFilesAsync(IObjectStore store, string? only, CancellationToken cancellationToken)
    {
        var files = new List<ObjectInfo>();
        await foreach (var info in store.ListAsync(only ?? "", cancellationToken).ConfigureAwait(false))
            if ((only is null || info.Key == only) && FormatOf(info.Key) is not null)
                files.Add(info);
        if (files.Count == 0)
            throw new FxException($"{store.Root}: no .parquet or .csv input files found");
        return files;
    }

    /// <summary>
    /// The units of the files to read, with the schema of every input file merged: a run that
    /// reads only some files still writes the columns the whole input has.
    /// </summary>
    /// <param name="files">Where to keep the readers of the files to read, so their footers are not read again.</param>
    public static async Task<IReadOnlyList<InputUnit>> UnitsAsync(IObjectStore store, IEnumerable<ObjectInfo> toRead, IEnumerable<ObjectInfo> all,
        CancellationToken cancellationToken, ParquetFiles? files = null)
    {
        var reading = toRead.Select(f => f.Key).ToHashSet(StringComparer.Ordinal);
        var units = new List<InputUnit>();
        var schemas = new List<(string Key, IReadOnlyList<Parquet.Schema.DataField> Fields)>();
        foreach (var file in all)
        {
            if (FormatOf(file.Key) == InputFormat.Csv)
            {
                if (reading.Contains(file.Key))
                    units.Add(new InputUnit(file.Key, InputFormat.Csv, -1, -1));
                continue;
            }
            var reader = await OpenParquetAsync(store, file.Key, cancellationToken).ConfigureAwait(false);
            var fields = reader.Schema.GetDataFields();
            var groups = Enumerable.Range(0, reader.RowGroupCount)
                .Select(i => new InputUnit(file.Key, InputFormat.Parquet, i, reader.RowGroups[i].RowCount)
                {
                    Footprint = RowGroupFootprint.Estimate(reader.RowGroups[i], fields),
                })
                .ToList();
            schemas.Add((file.Key, fields));
            if (reading.Contains(file.Key))
                units.AddRange(groups);
            if (files is not null && reading.Contains(file.Key))
                await files.KeepAsync(file.Key, reader, groups.Count).ConfigureAwait(false);
            else
                await reader.DisposeAsync().ConfigureAwait(false);
        }
        return MergeSchemas(store, units, schemas);
    }

    /// <summary>
    /// The units, each Parquet one carrying the merged schema when the files' schemas differ (and
    /// counting, in its footprint, the null columns its rows take for the columns its file lacks);
    /// files that cannot be read as one schema fail here, before any row is read.
    /// </summary>
    private static IReadOnlyList<InputUnit> MergeSchemas(IObjectStore store, List<InputUnit> units, List<(string Key, IReadOnlyList<Parquet.Schema.DataField> Fields)> schemas)
    {
        if (schemas.Count < 2 || schemas.All(s => SameSchema(s.Fields, schemas[0].Fields)))
            return units;
        var merged = InputSchema.Merge(schemas.Select(s => (store.Describe(s.Key), s.Fields)).ToList());
        var absentPerRow = schemas.ToDictionary(file => file.Key, file =>
            merged.Where(f => !file.Fields.Any(own => own.Name == f.Name)).Sum(RowGroupFootprint.AbsentPerRow), StringComparer.Ordinal);
        return units.Select(u => u.Format == InputFormat.Parquet ? u with { Schema = merged, Footprint = u.Footprint + u.Rows * absentPerRow[u.Key] } : u).ToList();
    }

    private static bool SameSchema(IReadOnlyList<Parquet.Schema.DataField> a, IReadOnlyList<Parquet.Schema.DataField> b) =>
        a.SequenceEqual(b, Data.FieldComparer.Instance);

    /// <summary>
    /// The format of an input key by its extension, or null when it is not input: another
    /// extension, or a name under '_' or '.' (Spark's and Hadoop's markers and staging folders).
    /// </summary>
    public static InputFormat? FormatOf(string key)
    {
        if (key.Split('/').Any(part => part.StartsWith('_') || part.StartsWith('.')))
            return null;
        if (key.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
            return InputFormat.Csv;
        if (key.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase))
            return InputFormat.Parquet;
        return null;
    }

    /// <summary>Opens a Parquet file, naming it in the error when it is not one.</summary>
    internal static async Task<ParquetReader> OpenParquetAsync(IObjectStore store, string key, CancellationToken cancellationToken)
    {
        var stream = await store.OpenReadAsync(key, cancellationToken).ConfigureAwait(false);
        try
        {
            return await ParquetReader.CreateAsync(stream, ReadOptions, leaveStreamOpen: false, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw new FxException($"{store.Describe(key)}: not a readable Parquet file ({ex.Message})", ex);
        }
    }
}
