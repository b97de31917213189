using System.Globalization;
using System.Text.RegularExpressions;
using FxEngine.Storage;

namespace FxEngine.Sources.Rates;

/// <summary>
/// Loads every rate snapshot under a location: <c>YYYY-MM-DD.json</c> objects (the lake's
/// <c>exchange_rates/</c> layout, one snapshot each) and Kafka Connect S3 Sink output
/// (<c>topics/&lt;topic&gt;/partition=N/&lt;topic&gt;+N+&lt;offset&gt;.json</c>, one snapshot per line,
/// dated by its timestamp). Any other .json name fails the load, naming the file: a guess
/// at its layout would either misread it or hide it. Two copies of one day must carry the same
/// snapshot: when they differ, which one is right is not the reader's to guess.
/// </summary>
internal static partial class LakeRatesReader
{
    public static async Task<IReadOnlyList<RateSnapshot>> LoadAsync(IObjectStore store, CancellationToken cancellationToken)
    {
        var snapshots = new List<(RateSnapshot Snapshot, string Origin)>();
        await foreach (var info in store.ListAsync("", cancellationToken).ConfigureAwait(false))
        {
            var name = info.Key[(info.Key.LastIndexOf('/') + 1)..];
            if (!name.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || name.StartsWith('_') || name.StartsWith('.'))
                continue;
            var origin = store.Describe(info.Key);
            var stem = name[..^".json".Length];
            if (DateOnly.TryParseExact(stem, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
                snapshots.Add((RateSnapshotParser.Parse(await store.ReadAllAsync(info.Key, cancellationToken).ConfigureAwait(false), origin, date), origin));
            else if (ConnectName().IsMatch(stem))
                snapshots.AddRange(ParseLines(await store.ReadAllAsync(info.Key, cancellationToken).ConfigureAwait(false), origin));
            else
                throw new FxException(DateShape().IsMatch(stem)
                    ? $"{origin}: '{stem}' in the file name is not a valid date; name a snapshot YYYY-MM-DD.json after its UTC date"
                    : $"{origin}: not a rate snapshot file name; expected YYYY-MM-DD.json (one snapshot) or Kafka Connect S3 Sink output <topic>+<partition>+<offset>.json (one snapshot per line); move other files out of the rates location");
        }
        return OnePerDay(snapshots);
    }

    /// <summary>
    /// One snapshot per day: identical copies (a daily file and a Connect line, a redelivery)
    /// collapse to the first; different ones fail naming both, rather than one silently winning.
    /// </summary>
    private static List<RateSnapshot> OnePerDay(List<(RateSnapshot Snapshot, string Origin)> snapshots)
    {
        var byDay = new Dictionary<DateOnly, (RateSnapshot Snapshot, string Origin)>();
        var unique = new List<RateSnapshot>();
        foreach (var (snapshot, origin) in snapshots)
        {
            if (!byDay.TryGetValue(snapshot.Date, out var first))
            {
                byDay[snapshot.Date] = (snapshot, origin);
                unique.Add(snapshot);
            }
            else if (first.Snapshot.DifferenceFrom(snapshot) is { } difference)
                throw new FxException($"{first.Origin} and {origin} hold different snapshots for {snapshot.Date:yyyy-MM-dd} ({difference}); remove one");
        }
        return unique;
    }

    /// <summary>Kafka Connect S3 Sink's object name, <c>&lt;topic&gt;+&lt;partition&gt;+&lt;startOffset&gt;</c>, which it cannot change.</summary>
    [GeneratedRegex(@"^.+\+[0-9]+\+[0-9]+$", RegexOptions.CultureInvariant)]
    private static partial Regex ConnectName();

    [GeneratedRegex(@"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", RegexOptions.CultureInvariant)]
    private static partial Regex DateShape();

    private static IEnumerable<(RateSnapshot, string)> ParseLines(byte[] content, string origin)
    {
        var snapshots = new List<(RateSnapshot, string)>();
        var rest = content.AsSpan();
        var line = 0;
        while (!rest.IsEmpty)
        {
            line++;
            var end = rest.IndexOf((byte)'\n');
            var current = end < 0 ? rest : rest[..end];
            rest = end < 0 ? [] : rest[(end + 1)..];
            if (current.Trim((byte)'\r').Trim((byte)' ').IsEmpty)
                continue;
            var where = $"{origin} line {line}";
            snapshots.Add((RateSnapshotParser.Parse(current, where), where));
        }
        return snapshots;
    }
}
