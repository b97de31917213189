using FxEngine.Transforms.Currency;

namespace FxEngine.Transforms;

/// <summary>The settings every conversion shares (batch and stream), checked one way before any I/O.</summary>
internal static class ConversionChecks
{
    /// <param name="columnKind">What the mapped names are in this input ("input column", "message field"), for the message.</param>
    public static void Validate(string targetCode, int maxStaleDays, ColumnMapping columns, string columnKind)
    {
        if (Iso4217.MinorUnits(targetCode) is null)
            throw FxException.InvalidOption($"--target '{targetCode}' is not an ISO 4217 currency code; use one like SGD, USD or EUR");
        if (maxStaleDays is < 0 or > 366)
            throw FxException.InvalidOption($"--max-stale-days {maxStaleDays} is out of range; use 0 to 366");
        foreach (var (name, value) in new[] { ("--date-column", columns.Date), ("--currency-column", columns.Currency), ("--amount-column", columns.Amount) })
            if (string.IsNullOrWhiteSpace(value))
                throw FxException.InvalidOption($"{name} is empty; name the {columnKind}");
    }
}
