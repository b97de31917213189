namespace FxEngine.Transforms;

/// <summary>Row counts and per-currency totals of a run; one per worker, merged at the end.</summary>
public sealed class NormalizeStats
{
    public long RowsIn { get; private set; }
    public long RowsOut { get; private set; }
    public long StaleRows { get; private set; }
    public SortedDictionary<string, long> RejectedByReason { get; } = new(StringComparer.Ordinal);
    public SortedDictionary<string, CurrencyTotals> Currencies { get; } = new(StringComparer.Ordinal);

    public long RowsRejected => RejectedByReason.Values.Sum();

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

    public void Merge(NormalizeStats other)
    {
        RowsIn += other.RowsIn;
        RowsOut += other.RowsOut;
        StaleRows += other.StaleRows;
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

/// <summary>Converted rows of one source currency: how many, and the sums before and after.</summary>
public sealed class CurrencyTotals
{
    public long Rows { get; private set; }
    public decimal Amount { get; private set; }
    public decimal AmountTarget { get; private set; }

    internal void Add(long rows, decimal amount, decimal converted)
    {
        Rows += rows;
        Amount += amount;
        AmountTarget += converted;
    }

    internal void Merge(CurrencyTotals other)
    {
        Rows += other.Rows;
        Amount += other.Amount;
        AmountTarget += other.AmountTarget;
    }
}
