namespace FxEngine.Transforms;

/// <summary>Per-currency totals in arrays indexed like the rate table, folded into stats once per batch.</summary>
internal sealed class CurrencyAccumulator(int currencies)
{
    private readonly long[] _rows = new long[currencies];
    private readonly decimal[] _amounts = new decimal[currencies];
    private readonly decimal[] _converted = new decimal[currencies];
    private long _stale;
    private int _firstRateDay = int.MaxValue;
    private int _lastRateDay = int.MinValue;

    public void Add(int currency, decimal amount, decimal converted, int rateDay, int day)
    {
        _rows[currency]++;
        _amounts[currency] += amount;
        _converted[currency] += converted;
        if (rateDay != day)
            _stale++;
        _firstRateDay = Math.Min(_firstRateDay, rateDay);
        _lastRateDay = Math.Max(_lastRateDay, rateDay);
    }

    public NormalizeStats ToStats(IReadOnlyList<string> codes, int rowsIn)
    {
        var stats = new NormalizeStats();
        stats.CountIn(rowsIn);
        for (var c = 0; c < codes.Count; c++)
            if (_rows[c] > 0)
                stats.CountOut(codes[c], _rows[c], _amounts[c], _converted[c]);
        stats.CountStale(_stale);
        if (_firstRateDay <= _lastRateDay)
            stats.CountRateDates(DateOnly.FromDayNumber(_firstRateDay), DateOnly.FromDayNumber(_lastRateDay));
        return stats;
    }
}
