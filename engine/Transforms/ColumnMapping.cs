namespace FxEngine.Transforms;

/// <summary>Where the join finds its keys in the input.</summary>
public sealed record ColumnMapping(string Date = "txn_date", string Currency = "currency", string Amount = "amount");
