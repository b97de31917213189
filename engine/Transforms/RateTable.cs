using System.Collections.Frozen;
using FxEngine.Sources.Rates;
using FxEngine.Storage;
using FxEngine.Transforms.Currency;

namespace FxEngine.Transforms;

/// <summary>
/// The broadcast side of the join: for every calendar day and currency, the conversion to
/// the target currency from the latest snapshot r with r ≤ day and r ≥ day − maxStaleDays
/// that holds both currencies. Built once, then shared read-only by every worker; lookups
/// are two array indexings.
/// </summary>
internal sealed class RateTable
{
    private readonly Entry?[] _entries; // [day offset * currency count + currency index]
    private readonly FrozenDictionary<string, int> _currencyIndex;
    private readonly int _firstDay;
    private readonly int _dayCount;

    /// <summary>
    /// A conversion for one (day, currency): the exact factor, the snapshot date it came from,
    /// and the factor rounded half away from zero to <see cref="OutputSchema.RateScale"/> places
    /// (fewer only for a rate of 79 billion or more, beyond what a .NET decimal holds at 18 places).
    /// </summary>
    public sealed record Entry(DateOnly RateDate, ExactConversion Conversion, decimal Rate);

    public RateTable(IEnumerable<RateSnapshot> snapshots, string target, int maxStaleDays)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxStaleDays);
        Target = target;
        TargetScale = Iso4217.MinorUnits(target)
            ?? throw new FxException($"target currency '{target}' is not an ISO 4217 currency with known minor units");
        MaxStaleDays = maxStaleDays;

        var byDate = new SortedDictionary<DateOnly, RateSnapshot>();
        foreach (var snapshot in snapshots)
        {
            // Which of two different snapshots of a day is right cannot be guessed (the lake reader names their files).
            if (!byDate.TryAdd(snapshot.Date, snapshot) && byDate[snapshot.Date].DifferenceFrom(snapshot) is { } difference)
                throw new FxException($"two different snapshots for {snapshot.Date:yyyy-MM-dd} ({difference}); keep one");
        }
        if (byDate.Count == 0)
            throw new FxException("no rate snapshots were found: fetch rates for the transactions' dates first");
        Snapshots = byDate.Values.ToArray();

        Currencies = byDate.Values.SelectMany(s => s.Rates.Keys).Append(target).Distinct().Order(StringComparer.Ordinal).ToArray();
        _currencyIndex = Currencies.Select((code, i) => (code, i)).ToFrozenDictionary(p => p.code, p => p.i);

        _firstDay = byDate.Keys.First().DayNumber;
        _dayCount = byDate.Keys.Last().DayNumber + maxStaleDays - _firstDay + 1;
        FirstDate = DateOnly.FromDayNumber(_firstDay);
        LastDate = DateOnly.FromDayNumber(_firstDay + _dayCount - 1);
        _entries = new Entry?[_dayCount * Currencies.Count];
        ForwardFill(Conversions(byDate.Values));
    }

    /// <summary>Every snapshot under a rates location, as the broadcast table.</summary>
    /// <param name="target">The target currency code, already trimmed and upper-cased.</param>
    public static async Task<RateTable> LoadAsync(string location, string target, int maxStaleDays, CancellationToken cancellationToken)
    {
        var store = ObjectStore.Open(location);
        var snapshots = await LakeRatesReader.LoadAsync(store, cancellationToken).ConfigureAwait(false);
        if (snapshots.Count == 0)
            throw new FxException($"{store.Root}: no rate snapshots (*.json) found; fetch rates first");
        return new RateTable(snapshots, target, maxStaleDays);
    }

    public string Target { get; }

    /// <summary>Decimal places of amounts in the target currency.</summary>
    public int TargetScale { get; }

    public int MaxStaleDays { get; }

    /// <summary>Every currency any snapshot quotes, plus the target.</summary>
    public IReadOnlyList<string> Currencies { get; }

    public IReadOnlyList<RateSnapshot> Snapshots { get; }

    /// <summary>The first and last day that can have a rate.</summary>
    public DateOnly FirstDate { get; }
    public DateOnly LastDate { get; }

    /// <summary>The index of a known currency, or -1.</summary>
    public int IndexOf(string code) => _currencyIndex.TryGetValue(code, out var index) ? index : -1;

    /// <summary>The conversion for <paramref name="currency"/> (an index) on <paramref name="day"/>, or null when no snapshot is recent enough.</summary>
    public Entry? Lookup(DateOnly day, int currency)
    {
        var offset = day.DayNumber - _firstDay;
        return (uint)offset < (uint)_dayCount ? _entries[offset * Currencies.Count + currency] : null;
    }

    /// <summary>Every usable (snapshot date, currency) conversion: snapshots without the target convert nothing.</summary>
    private Dictionary<DateOnly, Dictionary<int, Entry>> Conversions(IEnumerable<RateSnapshot> snapshots)
    {
        var exact = new Dictionary<DateOnly, Dictionary<int, ExactConversion>>();
        foreach (var snapshot in snapshots)
        {
            if (!snapshot.Rates.TryGetValue(Target, out var targetRate))
                continue;
            var day = exact[snapshot.Date] = [];
            foreach (var (code, rate) in snapshot.Rates)
                day[_currencyIndex[code]] = new ExactConversion(targetRate, rate);
        }
        return exact.ToDictionary(
            day => day.Key,
            day => day.Value.ToDictionary(c => c.Key, c => new Entry(day.Key, c.Value, DisplayRate(c.Value))));
    }

    private decimal DisplayRate(ExactConversion conversion)
    {
        for (var scale = OutputSchema.RateScale; scale >= 0; scale--)
            if (conversion.TryConvert(1m, scale, out var rate))
                return rate;
        throw new FxException($"a {Target} rate does not fit in a decimal");
    }

    /// <summary>Every (day, currency) that has a rate: the forward-filled table SQL executors broadcast.</summary>
    public IEnumerable<(DateOnly Day, string Currency, Entry Entry)> Rows()
    {
        for (var offset = 0; offset < _dayCount; offset++)
            for (var c = 0; c < Currencies.Count; c++)
                if (_entries[offset * Currencies.Count + c] is { } entry)
                    yield return (DateOnly.FromDayNumber(_firstDay + offset), Currencies[c], entry);
    }

    private void ForwardFill(Dictionary<DateOnly, Dictionary<int, Entry>> conversions)
    {
        var latest = new Entry?[Currencies.Count];
        for (var offset = 0; offset < _dayCount; offset++)
        {
            var day = DateOnly.FromDayNumber(_firstDay + offset);
            if (conversions.TryGetValue(day, out var today))
                foreach (var (currency, entry) in today)
                    latest[currency] = entry;
            for (var c = 0; c < latest.Length; c++)
            {
                var entry = latest[c];
                if (entry is not null && day.DayNumber - entry.RateDate.DayNumber <= MaxStaleDays)
                    _entries[offset * Currencies.Count + c] = entry;
            }
        }
    }
}
