using System.Collections.Frozen;
using System.Globalization;

namespace FxEngine.Sources.Rates;

/// <summary>
/// One day's rates: units of each currency per one unit of <see cref="Base"/>, exactly as
/// the provider wrote them. The base itself is always present with rate 1.
/// </summary>
public sealed class RateSnapshot
{
    public RateSnapshot(DateOnly date, string @base, DateTimeOffset timestamp, IReadOnlyDictionary<string, decimal> rates)
    {
        Date = date;
        Base = @base;
        Timestamp = timestamp;
        var all = new Dictionary<string, decimal>(rates) { [@base] = rates.TryGetValue(@base, out var own) ? own : 1m };
        Rates = all.ToFrozenDictionary();
    }

    public DateOnly Date { get; }
    public string Base { get; }
    public DateTimeOffset Timestamp { get; }
    public FrozenDictionary<string, decimal> Rates { get; }

    /// <summary>
    /// What differs between two snapshots (date, base, timestamp, rates compared as decimals, so
    /// whitespace, key order and trailing zeros do not count), or null when they carry the same
    /// rates. A differing timestamp alone is a difference: each is a different update of the day.
    /// </summary>
    public string? DifferenceFrom(RateSnapshot other)
    {
        var differences = new List<string>();
        if (Date != other.Date)
            differences.Add($"date {Date:yyyy-MM-dd} vs {other.Date:yyyy-MM-dd}");
        if (Base != other.Base)
            differences.Add($"base {Base} vs {other.Base}");
        if (Timestamp != other.Timestamp)
            differences.Add($"timestamp {Stamp(Timestamp)} vs {Stamp(other.Timestamp)}");
        var rates = new List<string>();
        foreach (var code in Rates.Keys.Union(other.Rates.Keys).Order(StringComparer.Ordinal))
        {
            var mine = Rates.TryGetValue(code, out var a);
            var theirs = other.Rates.TryGetValue(code, out var b);
            if (!mine || !theirs || a != b)
                rates.Add($"{code} {(mine ? a.ToString(CultureInfo.InvariantCulture) : "absent")} vs {(theirs ? b.ToString(CultureInfo.InvariantCulture) : "absent")}");
        }
        if (rates.Count > 0)
            differences.Add($"{rates.Count} rate(s): {string.Join(", ", rates.Take(3))}{(rates.Count > 3 ? ", ..." : "")}");
        return differences.Count == 0 ? null : string.Join("; ", differences);
    }

    internal static string Stamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
