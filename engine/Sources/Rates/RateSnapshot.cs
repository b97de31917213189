using System.Collections.Frozen;

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
}
