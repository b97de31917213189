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
        var units = new List<InputUnit>();
        await foreach (var info in store.ListAsync(only ?? "", cancellationToken).ConfigureAwait(false))
        {
            if ((only is not null && info.Key != only) || FormatOf(info.Key) is not { } format)
                continue;
            if (format == InputFormat.Csv)
                units.Add(new InputUnit(info.Key, InputFormat.Csv, -1, -1));
            else
                units.AddRange(await RowGroupsAsync(store, info.Key, cancellationToken).ConfigureAwait(false));
        }
        if (units.Count == 0)
            throw new FxException($"{store.Root}: no .parquet or .csv input files found");
        return units;
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

    /// <summary>The units of the given input files.</summary>
    public static async Task<IReadOnlyList<InputUnit>> UnitsAsync(IObjectStore store, IEnumerable<ObjectInfo> files, CancellationToken cancellationToken)
    {
        var units = new List<InputUnit>();
        foreach (var file in files)
        {
            if (FormatOf(file.Key) == InputFormat.Csv)
                units.Add(new InputUnit(file.Key, InputFormat.Csv, -1, -1));
            else
                units.AddRange(await RowGroupsAsync(store, file.Key, cancellationToken).ConfigureAwait(false));
        }
        return units;
    }

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

    private static async Task<IEnumerable<InputUnit>> RowGroupsAsync(IObjectStore store, string key, CancellationToken cancellationToken)
    {
        await using var reader = await OpenParquetAsync(store, key, cancellationToken).ConfigureAwait(false);
        return Enumerable.Range(0, reader.RowGroupCount)
            .Select(i => new InputUnit(key, InputFormat.Parquet, i, reader.RowGroups[i].RowCount))
            .ToList();
    }
}
