namespace FxEngine.Transforms;

/// <summary>Row counts and per-currency totals of a run; one per worker, merged at the end.</summary>
public sealed class NormalizeStats
{
    public long RowsIn { get; private set; }
    public long RowsOut { get; private set; }
    public long StaleRows { get; private set; }
    public SortedDictionary<string, long> RejectedByReason { get; } = new(StringComparer.Ordinal);
    public SortedDictionary<string, CurrencyTotals> Currencies { get; } = new(StringComparer.Ordinal);

    /// <summary>The earliest and latest rate dates that converted a row (null when none did).</summary>
    public DateOnly? FirstRateDate { get; private set; }
    public DateOnly? LastRateDate { get; private set; }

    public long RowsRejected => RejectedByReason.Values.Sum();

    /// <summary>The sum of every converted amount, in the target currency.</summary>
    public decimal AmountTarget => Currencies.Values.Sum(c => c.AmountTarget);

    /// <summary>Rows rejected for a reason (or for any reason when null), as a percentage of rows in.</summary>
    public double RejectedPercent(string? reason = null) =>
        RowsIn == 0 ? 0 : 100.0 * (reason is null ? RowsRejected : RejectedByReason.GetValueOrDefault(reason)) / RowsIn;

    internal void CountRateDates(DateOnly first, DateOnly last)
    {
        FirstRateDate = FirstRateDate is { } mine && mine < first ? mine : first;
        LastRateDate = LastRateDate is { } theirs && theirs > last ? theirs : last;
    }

    internal void CountIn(int rows) => RowsIn += rows;

    internal void CountReject(string reason, long rows = 1) =>
        RejectedByReason[reason] = RejectedByReason.GetValueOrDefault(reason) + rows;

    internal void CountStale(long rows) => StaleRows += rows;

    internal void CountOut(string currency, long rows, decimal amount, decimal converted)
    {
        RowsOut += rows;
        if (!Currencies.TryGetValue(currency, out var totals))
            Currencies[currency] = totals = new CurrencyTotals();
        totals.Add(rows, amount, converted);
    }

    internal void Merge(NormalizeStats other)
    {
        RowsIn += other.RowsIn;
        RowsOut += other.RowsOut;
        StaleRows += other.StaleRows;
        if (other.FirstRateDate is { } first && other.LastRateDate is { } last)
            CountRateDates(first, last);
        foreach (var (reason, count) in other.RejectedByReason)
            RejectedByReason[reason] = RejectedByReason.GetValueOrDefault(reason) + count;
        foreach (var (currency, totals) in other.Currencies)
        {
            if (!Currencies.TryGetValue(currency, out var mine))
                Currencies[currency] = mine = new CurrencyTotals();
            mine.Merge(totals);
        }
    }
}
