using System.Globalization;
using FxEngine.Transforms;

namespace FxEngine.Streaming;

/// <summary>
/// The snapshots a day's conversions could draw on: those dated within its as-of window, each
/// with its timestamp. Comparing windows tells a newer rate (restate) from a missing one (a
/// rates topic that lost old snapshots to retention: keep the rows as they are).
/// </summary>
internal static class RateWindow
{
    public static string Of(RateTable rates, string partition)
    {
        var day = DateOnly.ParseExact(partition, "yyyy-MM-dd", CultureInfo.InvariantCulture);
        return string.Join(";", rates.Snapshots
            .Where(s => s.Date <= day && s.Date.DayNumber >= day.DayNumber - rates.MaxStaleDays)
            .Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Date:yyyy-MM-dd}@{s.Timestamp.ToUnixTimeSeconds()}")));
    }

    /// <summary>Both windows together, the later timestamp of a day kept: rows converted under either are covered.</summary>
    public static string Union(string? a, string b) =>
        string.Join(";", Parse(a).Concat(Parse(b)).GroupBy(e => e.Key).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => $"{g.Key}@{g.Max(e => e.Value).ToString(CultureInfo.InvariantCulture)}"));

    /// <summary>True when <paramref name="now"/> still holds every snapshot of <paramref name="then"/>, at least as recent.</summary>
    public static bool Covers(string now, string? then)
    {
        var current = Parse(now).ToDictionary(e => e.Key, e => e.Value);
        return Parse(then).All(e => current.TryGetValue(e.Key, out var stamp) && stamp >= e.Value);
    }

    private static IEnumerable<KeyValuePair<string, long>> Parse(string? window) =>
        string.IsNullOrEmpty(window) ? [] : window.Split(';').Select(entry =>
        {
            var at = entry.IndexOf('@');
            return new KeyValuePair<string, long>(entry[..at], long.Parse(entry[(at + 1)..], CultureInfo.InvariantCulture));
        });
}
