namespace FxEngine.Transforms;

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
