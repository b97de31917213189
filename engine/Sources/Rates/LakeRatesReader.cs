using System.Globalization;
using FxEngine.Storage;

namespace FxEngine.Sources.Rates;

/// <summary>
/// Loads every rate snapshot under a location: <c>YYYY-MM-DD.json</c> objects (the lake's
/// <c>exchange_rates/</c> layout, one snapshot each) and Kafka Connect S3 Sink output
/// (<c>topics/&lt;topic&gt;/partition=N/&lt;topic&gt;+N+&lt;offset&gt;.json</c>, one snapshot per line,
/// dated by its timestamp).
/// </summary>
public static class LakeRatesReader
{
    public static async Task<IReadOnlyList<RateSnapshot>> LoadAsync(IObjectStore store, CancellationToken cancellationToken)
    {
        var snapshots = new List<RateSnapshot>();
        await foreach (var info in store.ListAsync("", cancellationToken).ConfigureAwait(false))
        {
            var name = info.Key[(info.Key.LastIndexOf('/') + 1)..];
            if (!name.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || name.StartsWith('_') || name.StartsWith('.'))
                continue;
            var content = await ReadAllAsync(store, info.Key, cancellationToken).ConfigureAwait(false);
            var origin = store.Describe(info.Key);
            if (DateOnly.TryParseExact(name[..^5], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
                snapshots.Add(RateSnapshotParser.Parse(content, origin, date));
            else
                snapshots.AddRange(ParseLines(content, origin));
        }
        return snapshots;
    }

    private static IEnumerable<RateSnapshot> ParseLines(byte[] content, string origin)
    {
        var snapshots = new List<RateSnapshot>();
        var rest = content.AsSpan();
        var line = 0;
        while (!rest.IsEmpty)
        {
            line++;
            var end = rest.IndexOf((byte)'\n');
            var current = end < 0 ? rest : rest[..end];
            rest = end < 0 ? [] : rest[(end + 1)..];
            if (!current.Trim((byte)'\r').Trim((byte)' ').IsEmpty)
                snapshots.Add(RateSnapshotParser.Parse(current, $"{origin} line {line}"));
        }
        return snapshots;
    }

    private static async Task<byte[]> ReadAllAsync(IObjectStore store, string key, CancellationToken cancellationToken)
    {
        await using var stream = await store.OpenReadAsync(key, cancellationToken).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }
}
