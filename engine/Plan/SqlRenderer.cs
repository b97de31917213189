using System.Globalization;
using System.Numerics;
using System.Text;
using FxEngine.Transforms;

namespace FxEngine.Plan;

/// <summary>
/// Renders a <see cref="NormalizationPlan"/> as SQL over two views, <c>transactions</c> (the
/// input) and <c>fx_rates</c> (the broadcast rate table). One SELECT classifies every row with
/// the engine's rules, in the engine's order, and converts with the engine's exact integer
/// arithmetic (amount in minor units × numerator ÷ denominator, floor and remainder,
/// half away from zero), so both dialects give the engine's rows to the last digit. What
/// differs between DuckDB and Spark is confined to <see cref="Dialect"/>.
/// </summary>
internal static class SqlRenderer
{
    /// <summary>Where the classified rows live once materialized.</summary>
    public const string Classified = "fx_classified";

    /// <summary>
    /// The columns the SQL works with beside the input's while it classifies rows. An input column
    /// of one of these names, in any case (DuckDB and Spark match names ignoring it), would be read
    /// in its place: <see cref="PlanBuilder"/> refuses such input.
    /// </summary>
    public static readonly IReadOnlySet<string> WorkingColumns = new HashSet<string>(
        ["fx_text", "fx_day", "fx_code", "fx_units", "fx_hi", "fx_lo", "fx_n", "fx_d", "fx_dd", "fx_a", "fx_b", "fx_n1", "fx_n0", "fx_p", "fx_l", "fx_q1", "fx_s", "fx_q", "fx_r", "fx_minor", "fx_rate_", "fx_rate_date_"], StringComparer.OrdinalIgnoreCase);

    private sealed record Dialect(
        Func<string, string> Quote,
        Func<string, string> Literal,
        string Integer,
        Func<string, string, string> Quotient,
        Func<string, string> IsCurrencyCode,
        Func<string, string> TrimCode)
    {
        // The engine's trim set (spaces, tabs, CR, LF) at the very ends: \A and \z mean the same in
        // RE2 and Java, where Java's $ would also match before a final line terminator.
        private const string Padding = @"\A[ \t\r\n]+|[ \t\r\n]+\z";

        public static Dialect Of(SqlDialect dialect) => dialect switch
        {
            SqlDialect.DuckDb => new Dialect(
                name => $"\"{name.Replace("\"", "\"\"", StringComparison.Ordinal)}\"",
                DuckDbLiteral,
                "HUGEINT",
                (n, d) => $"({n}) // ({d})",
                code => $"regexp_full_match({code}, {DuckDbLiteral("[A-Za-z]{3}")})",
                text => $"regexp_replace({text}, {DuckDbLiteral(Padding)}, '', 'g')"),
            // Spark has no 128-bit integer: DECIMAL(38,0) holds the same values. Its division is
            // rounded (to 6 places), so the remainder is taken off first and the quotient is exact.
            // RLIKE is Java's find, whose $ also matches before a final line terminator
            // ('USD\u2028'): the length, not $, ends the code.
            _ => new Dialect(
                name => $"`{name.Replace("`", "``", StringComparison.Ordinal)}`",
                SparkLiteral,
                "DECIMAL(38,0)",
                (n, d) => $"CAST((({n}) - ({n}) % ({d})) / ({d}) AS DECIMAL(38,0))",
                code => $"(length({code}) = 3 AND {code} RLIKE {SparkLiteral("^[A-Za-z]{3}")})",
                text => $"regexp_replace({text}, {SparkLiteral(Padding)}, '')"),
        };
    }

    /// <summary>Every input column, then the working columns and <c>reject_reason</c>.</summary>
    /// <remarks>
    /// The conversion is floor(|units| × n ÷ (d × 10^f)) with the remainder, where the rate table's
    /// factor is n ÷ d (n scaled to the target's minor units) and f the places the amount has beyond
    /// the target's. Its integers (128 bits in DuckDB, DECIMAL(38,0) in Spark) cannot hold |units| × n
    /// for large amounts at Spark's default scale 18, nor lo × n for a factor of many digits, so both
    /// are split before anything is multiplied: |units| = hi × 10^f + lo, hi = a × d + b and
    /// n = n1 × d + n0 give a × n + b × n1 + (b × n0) ÷ d + (lo × n1) ÷ 10^f + (lo × n0) ÷ (d × 10^f).
    /// Its products are bounded by n, d², and 10^f × max(d, n1), never by the amount
    /// (<see cref="ProductBound"/>); a × n alone grows with the amount, and is taken only when it is
    /// within the output's range.
    /// </remarks>
    public static string Classify(NormalizationPlan plan, SqlDialect dialect)
    {
        var d = Dialect.Of(dialect);
        var amount = plan.InputColumns.Single(c => c.Name == plan.Columns.Amount);
        var toMinor = Math.Max(plan.TargetScale - amount.Scale, 0);
        var fromMinor = Math.Max(amount.Scale - plan.TargetScale, 0);
        var known = string.Join(", ", plan.KnownCurrencies.Select(d.Literal));
        string Int(string expression) => $"CAST({expression} AS {d.Integer})";
        // The amount's unscaled integer, its whole part and its fraction scaled apart: one product
        // amount * 10^scale is typed DECIMAL(38, scale) by DuckDB, and lowered to DECIMAL(38,6) by
        // Spark, which overflow at 150.25 and at 10^14 for Spark's default DECIMAL(38,18). Spark's
        // fraction is pmod(amount, 1), whose type keeps every place; amount - floor(amount) would
        // lose the last ones there. Both products are whole numbers, so their lowered scale is exact.
        string Units(string value) => dialect == SqlDialect.DuckDb
            ? $"{Int($"floor({value})")} * {Pow10(amount.Scale)} + {Int($"({value} - floor({value})) * {Pow10(amount.Scale)}")}"
            : $"{Int($"floor({value})")} * {Pow10(amount.Scale)} + {Int($"pmod({value}, 1) * {Pow10(amount.Scale)}")}";
        string Pow10(int exponent) => Int($"'{BigPow10(exponent)}'");
        var f = Pow10(fromMinor);
        // Without places beyond the target's, the split by 10^f is the identity: no division at all.
        var (hi, lo) = fromMinor == 0
            ? ("abs(k.fx_units)", Int("0"))
            : (d.Quotient("abs(k.fx_units)", f), $"abs(k.fx_units) % {f}");

        // The input's columns and what the output, the rejects and the counts read: the working
        // columns stay out of the table the rows are kept in (DuckDB's temp table, Spark's cache).
        var kept = string.Join(", ", plan.InputColumns.Select(c => $"x.{d.Quote(c.Name)}")
            .Concat(["x.fx_day", "x.fx_code", "x.fx_minor", "x.fx_rate_", "x.fx_rate_date_"]));

        return $"""
            WITH trimmed AS (
              SELECT t.*, {d.TrimCode($"t.{d.Quote(plan.Columns.Currency)}")} AS fx_text FROM transactions t
            ),
            keyed AS (
              SELECT t.*,
                     CAST(t.{d.Quote(plan.Columns.Date)} AS DATE) AS fx_day,
                     CASE WHEN {d.IsCurrencyCode("t.fx_text")} THEN upper(t.fx_text) END AS fx_code,
                     {Units($"t.{d.Quote(plan.Columns.Amount)}")} AS fx_units
              FROM trimmed t
            ),
            factors AS (
              SELECT r.day, r.currency, r.rate_date, r.fx_rate,
                     {Int("r.factor_num")} * {Pow10(toMinor)} AS fx_n,
                     {Int("r.factor_den")} AS fx_d,
                     {Int("r.factor_den")} * {f} AS fx_dd
              FROM fx_rates r
            ),
            rates AS (
              SELECT r.*, {d.Quotient("fx_n", "fx_d")} AS fx_n1, fx_n % fx_d AS fx_n0 FROM factors r
            ),
            joined AS (
              SELECT /*+ BROADCAST(r) */ k.*,
                     r.rate_date AS fx_rate_date_,
                     r.fx_rate AS fx_rate_,
                     {hi} AS fx_hi,
                     {lo} AS fx_lo,
                     r.fx_n, r.fx_d, r.fx_dd, r.fx_n1, r.fx_n0
              FROM keyed k
              LEFT JOIN rates r ON r.day = k.fx_day AND r.currency = k.fx_code
            ),
            whole AS (
              SELECT j.*, {d.Quotient("fx_hi", "fx_d")} AS fx_a, fx_hi % fx_d AS fx_b FROM joined j
            ),
            parts AS (
              SELECT w.*, fx_b * fx_n0 AS fx_p, fx_lo * fx_n1 AS fx_l FROM whole w
            ),
            carried AS (
              SELECT p.*,
                     fx_b * fx_n1 + {d.Quotient("fx_p", "fx_d")} + {d.Quotient("fx_l", f)} AS fx_q1,
                     (fx_p % fx_d) * {f} + fx_lo * fx_n0 + (fx_l % {f}) * fx_d AS fx_s
              FROM parts p
            ),
            summed AS (
              SELECT c.*,
                     CASE WHEN fx_a <= {d.Quotient(Pow10(OutputSchema.AmountPrecision), "fx_n")} THEN fx_a * fx_n + fx_q1 + {d.Quotient("fx_s", "fx_dd")} END AS fx_q,
                     fx_s % fx_dd AS fx_r
              FROM carried c
            ),
            rounded AS (
              SELECT s.*,
                     CASE WHEN fx_units < 0 THEN -1 ELSE 1 END
                       * (fx_q + CASE WHEN 2 * fx_r >= fx_dd THEN 1 ELSE 0 END) AS fx_minor
              FROM summed s
            )
            SELECT {kept},
                   CASE
                     WHEN fx_day IS NULL THEN '{RejectReason.InvalidDate}'
                     WHEN fx_code IS NULL THEN '{RejectReason.InvalidCurrency}'
                     WHEN fx_code NOT IN ({known}) THEN '{RejectReason.UnknownCurrency}'
                     WHEN fx_units IS NULL THEN '{RejectReason.InvalidAmount}'
                     WHEN fx_rate_date_ IS NULL THEN '{RejectReason.MissingRate}'
                     WHEN fx_minor IS NULL OR abs(fx_minor) >= {Pow10(OutputSchema.AmountPrecision)} THEN '{RejectReason.InvalidAmount}'
                   END AS {OutputSchema.ReasonColumn}
            FROM rounded x
            """;
    }

    /// <summary>What the SQL's integers hold: DECIMAL(38,0) in Spark (128-bit DuckDB holds a little more).</summary>
    public static readonly BigInteger IntegerLimit = BigInteger.Pow(10, 38);

    /// <summary>
    /// What the SQL's quotients hold: Spark divides DECIMAL(38,0) by DECIMAL(38,0) as DECIMAL(38,6).
    /// Every quotient <see cref="Classify"/> takes of a rate's numbers is bounded by
    /// <see cref="QuotientBound"/>; those of the amount (hi, hi ÷ d) pass the limit only for amounts
    /// of 10^32 units and more (far beyond what the engine reads: a .NET decimal), which Spark
    /// makes null in the non-ANSI mode its script sets: an invalid_amount.
    /// </summary>
    public static readonly BigInteger QuotientLimit = BigInteger.Pow(10, 32);

    /// <summary>
    /// The largest product <see cref="Classify"/> forms for a factor <paramref name="numerator"/> ÷
    /// <paramref name="denominator"/> and an amount with <paramref name="fromMinor"/> places beyond the
    /// target's (or <paramref name="toMinor"/> fewer), whatever the amount: below <see cref="IntegerLimit"/>,
    /// every row of a valid result converts exactly.
    /// </summary>
    public static BigInteger ProductBound(BigInteger numerator, BigInteger denominator, int toMinor, int fromMinor)
    {
        var n = numerator * BigInteger.Pow(10, toMinor);
        var places = BigInteger.Pow(10, fromMinor);
        var bound = BigInteger.Max(n, denominator * denominator);
        return BigInteger.Max(bound, 3 * places * BigInteger.Max(denominator, n / denominator));
    }

    /// <summary>
    /// The largest quotient <see cref="Classify"/> takes of a factor's numbers, whatever the amount: the
    /// whole part n ÷ d, and d (b × n0 ÷ d is below it); below <see cref="QuotientLimit"/>, Spark holds them.
    /// </summary>
    public static BigInteger QuotientBound(BigInteger numerator, BigInteger denominator, int toMinor) =>
        BigInteger.Max(denominator, numerator * BigInteger.Pow(10, toMinor) / denominator);

    /// <summary>
    /// The converted rows: every input column but <c>txn_date</c>, then the code used, amount,
    /// rate, rate date and status, and last the partition column <c>txn_date</c> (the UTC day),
    /// which Spark's INSERT ... PARTITION and DuckDB's PARTITION_BY move into the folder names.
    /// </summary>
    public static string Output(NormalizationPlan plan, SqlDialect dialect)
    {
        var d = Dialect.Of(dialect);
        var s = plan.TargetScale;
        var unit = s == 0 ? "" : $" * CAST('{(1m / Pow10Decimal(s)).ToString(CultureInfo.InvariantCulture)}' AS DECIMAL({s + 1},{s}))";
        var columns = Kept(plan).Select(c => d.Quote(c.Name))
            .Append($"fx_code AS {d.Quote(OutputSchema.CurrencyColumn)}")
            .Append($"CAST(CAST(fx_minor AS DECIMAL({OutputSchema.AmountPrecision},0)){unit} AS DECIMAL({OutputSchema.AmountPrecision},{s})) AS {d.Quote(plan.AmountColumn)}")
            .Append($"CAST(fx_rate_ AS DECIMAL({OutputSchema.RatePrecision},{OutputSchema.RateScale})) AS {d.Quote(OutputSchema.RateColumn)}")
            .Append($"fx_rate_date_ AS {d.Quote(OutputSchema.RateDateColumn)}")
            .Append($"CASE WHEN fx_rate_date_ = fx_day THEN 'exact' ELSE 'stale' END AS {d.Quote(OutputSchema.StatusColumn)}")
            .Append($"fx_day AS {d.Quote(OutputSchema.PartitionColumn)}");
        return $"SELECT {string.Join(",\n       ", columns)}\nFROM {Classified}\nWHERE {OutputSchema.ReasonColumn} IS NULL";
    }

    /// <summary>
    /// The rejected rows: every input column but <c>txn_date</c>, the reason, the offending value as
    /// the engine renders it (<c>RawText</c>), and last the partition column (null, the
    /// default partition, when the date is missing).
    /// </summary>
    public static string Rejects(NormalizationPlan plan, SqlDialect dialect)
    {
        var d = Dialect.Of(dialect);
        string Raw(string name) => Text(plan.InputColumns.Single(c => c.Name == name), dialect);
        var detail = $"""
            CASE {OutputSchema.ReasonColumn}
                     WHEN '{RejectReason.InvalidDate}' THEN {Raw(plan.Columns.Date)}
                     WHEN '{RejectReason.InvalidCurrency}' THEN {Raw(plan.Columns.Currency)}
                     WHEN '{RejectReason.UnknownCurrency}' THEN {Raw(plan.Columns.Currency)}
                     WHEN '{RejectReason.InvalidAmount}' THEN {Raw(plan.Columns.Amount)}
                     WHEN '{RejectReason.MissingRate}' THEN fx_code
                   END AS {d.Quote(OutputSchema.DetailColumn)}
            """;
        var columns = Kept(plan).Select(c => d.Quote(c.Name))
            .Append(OutputSchema.ReasonColumn)
            .Append(detail)
            .Append($"fx_day AS {d.Quote(OutputSchema.PartitionColumn)}");
        return $"SELECT {string.Join(",\n       ", columns)}\nFROM {Classified}\nWHERE {OutputSchema.ReasonColumn} IS NOT NULL";
    }

    /// <summary>What starts each line of <see cref="StalePartitions"/> that <c>normalize.sql</c> prints.</summary>
    public const string StaleMark = "fxengine-stale";

    /// <summary>
    /// The partition folders a Spark run leaves stale: a dynamic overwrite replaces only the
    /// partitions that receive rows, so a day of this input whose rows now all convert keeps last
    /// run's rejects folder (and one whose rows all fail keeps its output folder), and the undated
    /// rejects stay when no row lacks a date any more. Rows of <c>fx_table</c> (<c>output</c> or
    /// <c>rejects</c>) and <c>fx_partition</c> (the folder's name, <c>txn_date=YYYY-MM-DD</c>), to delete
    /// once both tables are written. Days outside this input are not touched.
    /// </summary>
    public static string StalePartitions()
    {
        var day = $"concat('{OutputSchema.PartitionColumn}=', CAST(fx_day AS STRING))";
        return $"""
            SELECT 'output' AS fx_table, {day} AS fx_partition FROM {Classified} WHERE fx_day IS NOT NULL
              GROUP BY fx_day HAVING sum(CASE WHEN {OutputSchema.ReasonColumn} IS NULL THEN 1 ELSE 0 END) = 0
            UNION ALL
            SELECT 'rejects', {day} FROM {Classified} WHERE fx_day IS NOT NULL
              GROUP BY fx_day HAVING sum(CASE WHEN {OutputSchema.ReasonColumn} IS NULL THEN 0 ELSE 1 END) = 0
            UNION ALL
            SELECT 'rejects', '{OutputSchema.PartitionColumn}={OutputSchema.DefaultPartition}' FROM {Classified}
              HAVING sum(CASE WHEN fx_day IS NULL THEN 1 ELSE 0 END) = 0
            """;
    }

    /// <summary>The input columns the files keep: all but the partition column, which the folder names hold.</summary>
    private static IEnumerable<PlanColumn> Kept(NormalizationPlan plan) => plan.InputColumns.Where(c => c.Name != OutputSchema.PartitionColumn);

    /// <summary>A key column's value as invariant text, exactly as the engine's <c>RawText</c> writes it.</summary>
    private static string Text(PlanColumn column, SqlDialect dialect)
    {
        var name = Quote(dialect, column.Name);
        var spark = dialect == SqlDialect.Spark;
        return column.Kind switch
        {
            "text" => name,
            "date" => spark ? $"date_format({name}, {SparkLiteral("yyyy-MM-dd")})" : $"strftime({name}, {DuckDbLiteral("%Y-%m-%d")})",
            "timestamp" => spark ? $"date_format({name}, {SparkLiteral("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'")})" : $"strftime({name}, {DuckDbLiteral("%Y-%m-%dT%H:%M:%S.%fZ")})",
            // A decimal keeps every place of its scale in both (10.0000). Spark's text is Java's
            // BigDecimal.toString: plain digits at the scales money uses (up to 6), E notation
            // only for a value below 1e-6 at a larger scale.
            _ => $"CAST({name} AS {(spark ? "STRING" : "VARCHAR")})",
        };
    }

    /// <summary>
    /// A complete <c>spark-sql -f</c> script: views over the input (by column name across files,
    /// mergeSchema) and the rate table, the classified rows cached once, then INSERT OVERWRITE into
    /// Parquet tables partitioned by day at the plan's output and rejects locations, in dynamic
    /// partition overwrite mode: a run replaces exactly the partitions it writes, output and rejects.
    /// </summary>
    public static string SparkScript(NormalizationPlan plan, string tablePrefix)
    {
        var processed = $"{tablePrefix}_processed_{plan.Target.ToLowerInvariant()}";
        var rejected = $"{tablePrefix}_rejected_{plan.Target.ToLowerInvariant()}";
        string Column(string name, string type) => $"{Quote(SqlDialect.Spark, name)} {type}";
        var kept = Kept(plan).Select(c => Column(c.Name, SparkType(c))).ToList();
        var partition = Column(OutputSchema.PartitionColumn, "DATE");
        var outputColumns = kept.Concat(
        [
            Column(OutputSchema.CurrencyColumn, "STRING"),
            Column(plan.AmountColumn, $"DECIMAL({OutputSchema.AmountPrecision},{plan.TargetScale})"),
            Column(OutputSchema.RateColumn, $"DECIMAL({OutputSchema.RatePrecision},{OutputSchema.RateScale})"),
            Column(OutputSchema.RateDateColumn, "DATE"),
            Column(OutputSchema.StatusColumn, "STRING"),
            partition,
        ]);
        var rejectColumns = kept.Concat([Column(OutputSchema.ReasonColumn, "STRING"), Column(OutputSchema.DetailColumn, "STRING"), partition]);
        var script = new StringBuilder();
        script.AppendLine("-- FxEngine normalization in Spark SQL, generated by `fxengine emr plan`. Run: spark-sql -S -f normalize.sql,");
        script.AppendLine($"-- then delete the folders its last query lists ('{StaleMark} output|rejects txn_date=...'), as the EMR step does.");
        script.AppendLine(CultureInfo.InvariantCulture, $"-- Target {plan.Target}, max stale days {plan.MaxStaleDays}.");
        script.AppendLine("SET spark.sql.session.timeZone=UTC;");
        // Dynamic: INSERT OVERWRITE replaces the partitions the query writes and keeps the others.
        script.AppendLine("SET spark.sql.sources.partitionOverwriteMode=dynamic;");
        // Non-ANSI (Spark 3's default, not Spark 4's): an overflowing DECIMAL(38,0) product or an
        // unparsable date becomes NULL and the row a reject, as in the engine, instead of failing the job.
        script.AppendLine("SET spark.sql.ansi.enabled=false;");
        // The literals below use backslash escapes, which this setting would turn off.
        script.AppendLine("SET spark.sql.parser.escapedStringLiterals=false;");
        script.AppendLine(CultureInfo.InvariantCulture, $"CREATE OR REPLACE TEMPORARY VIEW transactions USING parquet OPTIONS (path {SparkLiteral(plan.Input)}, mergeSchema 'true');");
        script.AppendLine(CultureInfo.InvariantCulture, $"CREATE OR REPLACE TEMPORARY VIEW fx_rates USING parquet OPTIONS (path {SparkLiteral(plan.RateTable)});");
        script.AppendLine(CultureInfo.InvariantCulture, $"CREATE OR REPLACE TEMPORARY VIEW {Classified} AS\n{Classify(plan, SqlDialect.Spark)};");
        script.AppendLine(CultureInfo.InvariantCulture, $"CACHE TABLE {Classified};");
        // The tables are external (LOCATION): dropping one keeps its files, and recreating it each
        // run keeps its schema in step with the input's. The catalog then lists the partitions this
        // run wrote; the files of the others stay (dynamic overwrite), and MSCK REPAIR TABLE lists
        // them too (left to the user: on a first run the location may not exist yet).
        foreach (var (table, columns, location, query) in new[] { (processed, outputColumns, plan.Output, Output(plan, SqlDialect.Spark)), (rejected, rejectColumns, plan.Rejects, Rejects(plan, SqlDialect.Spark)) })
        {
            script.AppendLine(CultureInfo.InvariantCulture, $"DROP TABLE IF EXISTS {table};");
            script.AppendLine(CultureInfo.InvariantCulture, $"CREATE TABLE {table} ({string.Join(", ", columns)})\n  USING parquet PARTITIONED BY ({Quote(SqlDialect.Spark, OutputSchema.PartitionColumn)}) LOCATION {SparkLiteral(location)};");
            script.AppendLine(CultureInfo.InvariantCulture, $"INSERT OVERWRITE TABLE {table} PARTITION ({Quote(SqlDialect.Spark, OutputSchema.PartitionColumn)})\n{query};");
        }
        // Printed, not deleted: SQL cannot remove folders. The EMR step deletes each one listed.
        script.AppendLine(CultureInfo.InvariantCulture, $"-- The folders of this input's days that received no rows (left stale by the dynamic overwrite): delete each one listed.");
        script.AppendLine(CultureInfo.InvariantCulture, $"SELECT concat('{StaleMark} ', fx_table, ' ', fx_partition) FROM (\n{StalePartitions()}\n) stale;");
        return script.ToString();
    }

    private static string SparkType(PlanColumn column) => column.Kind switch
    {
        "text" => "STRING",
        "date" => "DATE",
        "timestamp" => "TIMESTAMP",
        "decimal" => $"DECIMAL({column.Precision},{column.Scale})",
        "integer" => column.Precision > 10 ? "BIGINT" : "INT",
        "double" => "DOUBLE",
        "boolean" => "BOOLEAN",
        _ => "BINARY",
    };

    internal static string Quote(SqlDialect dialect, string name) => Dialect.Of(dialect).Quote(name);

    /// <summary>A string literal of the dialect.</summary>
    public static string Literal(SqlDialect dialect, string text) => Dialect.Of(dialect).Literal(text);

    /// <summary>DuckDB (the SQL standard): a quote is doubled, every other character is itself.</summary>
    private static string DuckDbLiteral(string text) => $"'{text.Replace("'", "''", StringComparison.Ordinal)}'";

    /// <summary>
    /// Spark: a backslash escapes (<c>\\</c>, <c>\'</c>), and adjacent literals concatenate, so a doubled
    /// quote would end the literal. Characters outside printable ASCII become <c>\uXXXX</c>, so the
    /// script is ASCII whatever charset the <c>spark-sql</c> reader assumes, and a line break in a
    /// path cannot split a literal across the script's lines, which the CLI reads line by line.
    /// <c>$</c> too: Spark substitutes <c>${name}</c> in the SQL text before parsing it
    /// (<c>spark.sql.variable.substitute</c>, on by default), an unset name by nothing.
    /// </summary>
    private static string SparkLiteral(string text)
    {
        var sql = new StringBuilder(text.Length + 2).Append('\'');
        foreach (var c in text)
        {
            if (c is '\\' or '\'')
                sql.Append('\\').Append(c);
            else if (c is < ' ' or > '~' or '$')
                sql.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            else
                sql.Append(c);
        }
        return sql.Append('\'').ToString();
    }

    private static string BigPow10(int exponent) => BigInteger.Pow(10, exponent).ToString(CultureInfo.InvariantCulture);

    private static decimal Pow10Decimal(int exponent) => (decimal)BigInteger.Pow(10, exponent);
}
