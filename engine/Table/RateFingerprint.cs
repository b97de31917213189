using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using FxEngine.Transforms;

namespace FxEngine.Table;

/// <summary>
/// What a day's conversions depend on: for every currency, the snapshot date the as-of rule
/// picks and the two rates it divides, and which codes any snapshot quotes (a code none quotes
/// is <c>unknown_currency</c>, one quoted only on other days <c>missing_rate</c>). A late snapshot
/// changes exactly the days it now serves, and one that quotes a new code every day; a day that
/// still resolves to its own (or another) snapshot keeps its fingerprint.
/// </summary>
internal sealed class RateFingerprint(RateTable rates)
{
    private readonly Dictionary<DateOnly, Sources.Rates.RateSnapshot> _snapshots = rates.Snapshots.ToDictionary(s => s.Date);
    private readonly string _known = "known:" + string.Join(",", rates.Currencies.Order(StringComparer.Ordinal)) + ";";
    private readonly Dictionary<string, string> _byPartition = new(StringComparer.Ordinal);

    /// <summary>The table the fingerprints are of.</summary>
    public RateTable Rates => rates;

    /// <summary>The fingerprint of a partition (<c>YYYY-MM-DD</c>), computed once per run; the undated partition has none.</summary>
    public string Of(string partition)
    {
        if (partition == TableState.Undated)
            return "none";
        if (!_byPartition.TryGetValue(partition, out var fingerprint))
            _byPartition[partition] = fingerprint = Of(DateOnly.ParseExact(partition, "yyyy-MM-dd", CultureInfo.InvariantCulture));
        return fingerprint;
    }

    private string Of(DateOnly day)
    {
        var text = new StringBuilder(_known);
        for (var c = 0; c < rates.Currencies.Count; c++)
        {
            if (rates.Lookup(day, c) is not { } entry)
                continue;
            var snapshot = _snapshots[entry.RateDate];
            var code = rates.Currencies[c];
            text.Append(CultureInfo.InvariantCulture,
                $"{code}@{entry.RateDate:yyyy-MM-dd}={Plain(snapshot.Rates[code])}/{Plain(snapshot.Rates[rates.Target])};");
        }
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..32];
    }

    /// <summary>The value without trailing zeros: 1.50 and 1.5 are the same rate.</summary>
    private static string Plain(decimal value) => (value / 1.0000000000000000000000000000m).ToString(CultureInfo.InvariantCulture);
}
