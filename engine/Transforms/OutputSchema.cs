namespace FxEngine.Transforms;

/// <summary>Names and decimal precisions of what normalization adds, shared by every executor.</summary>
internal static class OutputSchema
{
    public const string RateColumn = "fx_rate";
    public const string RateDateColumn = "fx_rate_date";
    public const string StatusColumn = "fx_status";
    public const string ReasonColumn = "reject_reason";

    /// <summary>The code a converted row used (trimmed, upper-cased), so GROUP BY works whatever the input's spelling.</summary>
    public const string CurrencyColumn = "fx_currency";

    /// <summary>A reject's offending raw value as text, so nothing about a bad row is lost.</summary>
    public const string DetailColumn = "reject_detail";

    /// <summary>
    /// The partition folders of output and rejects: <c>txn_date=YYYY-MM-DD/</c>. The column lives
    /// in the folder name only, as Spark's partitionBy and DuckDB's PARTITION_BY write it: Athena and
    /// Glue refuse a table whose partition column is also a data column.
    /// </summary>
    public const string PartitionColumn = "txn_date";

    /// <summary>The folder value of rows without a valid date: the Hive and Spark convention, which DuckDB writes too.</summary>
    public const string DefaultPartition = "__HIVE_DEFAULT_PARTITION__";

    /// <summary>The folder of a partition, <c>txn_date=2024-01-31/</c>, or the default partition's for null.</summary>
    public static string PartitionFolder(DateOnly? date) =>
        $"{PartitionColumn}={(date is { } day ? day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) : DefaultPartition)}/";

    /// <summary>Digits of the converted amount: DECIMAL(18, s) is a 64-bit integer in Parquet, fast to write and read.</summary>
    public const int AmountPrecision = 18;

    /// <summary>
    /// <c>fx_rate</c> is DECIMAL(38, 18) whatever the rates: the schema must not depend on rate
    /// values. 20 integer digits hold 1 BTC in any currency (about 1.6e9 IDR) and 18 places give
    /// at least 12 significant digits to the smallest quote against any ISO target (1 IDR is about
    /// 2e-5 KWD).
    /// </summary>
    public const int RatePrecision = 38;

    /// <inheritdoc cref="RatePrecision"/>
    public const int RateScale = 18;

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

    /// <summary>
    /// Every column the normalizer adds, to converted rows or rejects, in any case: no input column
    /// may take one of these names, as readers of the table (Spark, Athena, DuckDB) match names ignoring case.
    /// </summary>
    public static IReadOnlySet<string> AddedColumns(string target) => new HashSet<string>(
        [CurrencyColumn, AmountColumn(target), RateColumn, RateDateColumn, StatusColumn, ReasonColumn, DetailColumn], StringComparer.OrdinalIgnoreCase);
}
