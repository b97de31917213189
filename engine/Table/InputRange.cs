using System.Globalization;
using FxEngine.Sources.Transactions;
using FxEngine.Storage;

namespace FxEngine.Table;

/// <summary>
/// The first and last transaction day of an input, as the daily job needs it to know which
/// rates to fetch: from the table state for the files it already knows (unchanged size and
/// version), reading only the date column of the new or changed ones, so the cost follows what
/// arrived rather than the whole history.
/// </summary>
internal static class InputRange
{
    public static async Task<(DateOnly First, DateOnly Last)?> OfAsync(IObjectStore input, IObjectStore output, string dateColumn, char csvDelimiter,
        CancellationToken cancellationToken)
    {
        var state = await TableState.LoadAsync(output, cancellationToken).ConfigureAwait(false);
        DateOnly? first = null, last = null;
        foreach (var file in await InputDiscovery.ListFilesAsync(input, null, cancellationToken).ConfigureAwait(false))
        {
            var known = state?.Scan == ChangePlan.ScanKey(dateColumn, csvDelimiter) ? state.Files.GetValueOrDefault(file.Key) : null;
            var feeds = known is not null && known.Size == file.Size && known.Version == file.Version
                ? known
                : await InputScan.ScanAsync(input, file, dateColumn, csvDelimiter, cancellationToken).ConfigureAwait(false);
            foreach (var partition in feeds.Partitions)
            {
                if (partition == TableState.Undated)
                    continue;
                var day = DateOnly.ParseExact(partition, "yyyy-MM-dd", CultureInfo.InvariantCulture);
                if (first is null || day < first) first = day;
                if (last is null || day > last) last = day;
            }
        }
        return first is null ? null : (first.Value, last!.Value);
    }
}
