using System.Globalization;
using System.Text;
using FxEngine.Transforms;

namespace FxEngine.Plan;

public enum SqlDialect { DuckDb, Spark }

/// <summary>
/// Renders a <see cref="NormalizationPlan"/> as SQL over two views, <c>transactions</c> (the
/// input) and <c>fx_rates</c> (the broadcast rate table). One SELECT classifies every row with
/// the engine's rules, in the engine's order, and converts with the engine's exact integer
/// arithmetic (amount in minor units × numerator ÷ denominator, remainder-corrected floor,
/// half away from zero), so both dialects give the engine's rows to the last digit. What
/// differs between DuckDB and Spark is confined to <see cref="Dialect"/>.
/// </summary>
public static class SqlRenderer
{
    /// <summary>Where the classified rows live once materialized.</summary>
    public const string Classified = "fx_classified";

    private sealed record Dialect(
        Func<string, string> Quote,
        string Integer,
        Func<string, string, string> FloorDivide,
        Func<string, string> IsCurrencyCode)
    {
        public static Dialect Of(SqlDialect dialect) => dialect switch
        {
            SqlDialect.DuckDb => new Dialect(
                name => $"\"{name.Replace("\"", "\"\"", StringComparison.Ordinal)}\"",
                "HUGEINT",
                (n, d) => $"({n}) // ({d})",
                code => $"regexp_full_match({code}, '[A-Z]{{3}}')"),
            // Spark has no 128-bit integer: DECIMAL(38,0) holds the same values; its division
            // is rounded, which the remainder correction below makes exact again.
            _ => new Dialect(
                name => $"`{name.Replace("`", "``", StringComparison.Ordinal)}`",
                "DECIMAL(38,0)",
                (n, d) => $"CAST(FLOOR(({n}) / ({d})) AS DECIMAL(38,0))",
                code => $"({code} RLIKE '^[A-Z]{{3}}$')"),
        };
    }

    /// <summary>Every input column, then the working columns and <c>reject_reason</c>.</summary>
    public static string Classify(NormalizationPlan plan, SqlDialect dialect)
    {
        var d = Dialect.Of(dialect);
        var amount = plan.InputColumns.Single(c => c.Name == plan.Columns.Amount);
        var toMinor = Math.Max(plan.TargetScale - amount.Scale, 0);
        var fromMinor = Math.Max(amount.Scale - plan.TargetScale, 0);
        var known = string.Join(", ", plan.KnownCurrencies.Select(c => $"'{c}'"));
        string Int(string expression) => $"CAST({expression} AS {d.Integer})";
        string Pow10(int exponent) => Int($"'{BigPow10(exponent)}'");

        return $"""
            WITH keyed AS (
              SELECT t.*,
                     CAST(t.{d.Quote(plan.Columns.Date)} AS DATE) AS fx_day,
                     upper(trim(t.{d.Quote(plan.Columns.Currency)})) AS fx_code,
                     {Int($"t.{d.Quote(plan.Columns.Amount)} * {Pow10(amount.Scale)}")} AS fx_units
              FROM transactions t
            ),
            joined AS (
              SELECT /*+ BROADCAST(r) */ k.*,
                     r.rate_date AS fx_rate_date_,
                     r.fx_rate AS fx_rate_,
                     abs(k.fx_units) * {Int("r.factor_num")} * {Pow10(toMinor)} AS fx_n,
                     {Int("r.factor_den")} * {Pow10(fromMinor)} AS fx_d
              FROM keyed k
              LEFT JOIN fx_rates r ON r.day = k.fx_day AND r.currency = k.fx_code
            ),
            divided AS (
              SELECT j.*, {d.FloorDivide("fx_n", "fx_d")} AS fx_q0 FROM joined j
            ),
            corrected AS (
              SELECT v.*, fx_q0 + CASE WHEN fx_n - fx_q0 * fx_d < 0 THEN -1 WHEN fx_n - fx_q0 * fx_d >= fx_d THEN 1 ELSE 0 END AS fx_q
              FROM divided v
            ),
            rounded AS (
              SELECT c.*,
                     CASE WHEN fx_units < 0 THEN -1 ELSE 1 END
                       * (fx_q + CASE WHEN 2 * (fx_n - fx_q * fx_d) >= fx_d THEN 1 ELSE 0 END) AS fx_minor
              FROM corrected c
            )
            SELECT x.*,
                   CASE
                     WHEN fx_day IS NULL THEN '{RejectReason.InvalidDate}'
                     WHEN fx_code IS NULL OR NOT {d.IsCurrencyCode("fx_code")} THEN '{RejectReason.InvalidCurrency}'
                     WHEN fx_code NOT IN ({known}) THEN '{RejectReason.UnknownCurrency}'
                     WHEN fx_units IS NULL THEN '{RejectReason.InvalidAmount}'
                     WHEN fx_rate_date_ IS NULL THEN '{RejectReason.MissingRate}'
                     WHEN fx_minor IS NULL OR abs(fx_minor) >= {Pow10(BatchNormalizer.AmountPrecision)} THEN '{RejectReason.InvalidAmount}'
                   END AS {BatchNormalizer.ReasonColumn}
            FROM rounded x
            """;
    }

    /// <summary>The converted rows: every input column, then amount, rate, rate date and status.</summary>
    public static string Output(NormalizationPlan plan, SqlDialect dialect, IEnumerable<string>? extra = null)
    {
        var d = Dialect.Of(dialect);
        var s = plan.TargetScale;
        var unit = s == 0 ? "" : $" * CAST('{(1m / Pow10Decimal(s)).ToString(CultureInfo.InvariantCulture)}' AS DECIMAL({s + 1},{s}))";
        var columns = plan.InputColumns.Select(c => d.Quote(c.Name))
            .Append($"CAST(CAST(fx_minor AS DECIMAL({BatchNormalizer.AmountPrecision},0)){unit} AS DECIMAL({BatchNormalizer.AmountPrecision},{s})) AS {d.Quote(plan.AmountColumn)}")
            .Append($"fx_rate_ AS {d.Quote(BatchNormalizer.RateColumn)}")
            .Append($"fx_rate_date_ AS {d.Quote(BatchNormalizer.RateDateColumn)}")
            .Append($"CASE WHEN fx_rate_date_ = fx_day THEN 'exact' ELSE 'stale' END AS {d.Quote(BatchNormalizer.StatusColumn)}")
            .Concat(extra ?? []);
        return $"SELECT {string.Join(",\n       ", columns)}\nFROM {Classified}\nWHERE {BatchNormalizer.ReasonColumn} IS NULL";
    }

    /// <summary>The rejected rows: every input column, then the reason.</summary>
    public static string Rejects(NormalizationPlan plan, SqlDialect dialect)
    {
        var d = Dialect.Of(dialect);
        var columns = plan.InputColumns.Select(c => d.Quote(c.Name)).Append(BatchNormalizer.ReasonColumn);
        return $"SELECT {string.Join(", ", columns)}\nFROM {Classified}\nWHERE {BatchNormalizer.ReasonColumn} IS NOT NULL";
    }

    internal static string Quote(SqlDialect dialect, string name) => Dialect.Of(dialect).Quote(name);

    private static string BigPow10(int exponent) => System.Numerics.BigInteger.Pow(10, exponent).ToString(CultureInfo.InvariantCulture);

    private static decimal Pow10Decimal(int exponent) => (decimal)System.Numerics.BigInteger.Pow(10, exponent);
}
