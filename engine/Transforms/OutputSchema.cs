namespace FxEngine.Transforms;

/// <summary>Names and decimal precisions of what normalization adds, shared by every executor.</summary>
internal static class OutputSchema
{
    public const string RateColumn = "fx_rate";
    public const string RateDateColumn = "fx_rate_date";
    public const string StatusColumn = "fx_status";
    public const string ReasonColumn = "reject_reason";

    /// <summary>The output's partition folders: <c>txn_date=YYYY-MM-DD/</c>.</summary>
    public const string PartitionColumn = "txn_date";

    /// <summary>Digits of the converted amount: DECIMAL(18, s) is a 64-bit integer in Parquet, fast to write and read.</summary>
    public const int AmountPrecision = 18;

    /// <summary>Digits of the displayed rate, DECIMAL(18, s) for the same reason.</summary>
    public const int RatePrecision = 18;

    /// <summary>
    /// Digits of a CSV amount column in the output: CSV has no types, and the output's schema
    /// must follow the input's schema and the options, never the values, so it is one fixed
    /// type wide enough for any amount: DECIMAL(38, 9) holds every .NET decimal's integer part
    /// and 9 decimals (ISO 4217 needs at most 4; crypto amounts 8). Spark, DuckDB and Athena all
    /// read DECIMAL(38, s). An amount with more decimals is rejected, never rounded.
    /// </summary>
    public const int TextAmountPrecision = 38;

    /// <inheritdoc cref="TextAmountPrecision"/>
    public const int TextAmountScale = 9;

    /// <summary>The added amount column, named after the target (<c>amount_sgd</c>).</summary>
    public static string AmountColumn(string target) => $"amount_{target.ToLowerInvariant()}";
}
