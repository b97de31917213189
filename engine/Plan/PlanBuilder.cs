using FxEngine.Sources.Transactions;
using FxEngine.Storage;
using FxEngine.Transforms;
using Parquet.Schema;

namespace FxEngine.Plan;

/// <summary>Builds a <see cref="NormalizationPlan"/> from the run's locations and columns, its rate table and its input's schema.</summary>
internal static class PlanBuilder
{
    /// <param name="locations">The run's input, output and rejects locations.</param>
    /// <param name="rateTable">Where the broadcast rate table was written, for the executors to read.</param>
    /// <param name="discovered">The input's units when the caller has discovered them already (they are not read again).</param>
    public static async Task<NormalizationPlan> BuildAsync((string Input, string Output, string Rejects) locations, ColumnMapping columns,
        RateTable rates, string rateTable, CancellationToken cancellationToken, IReadOnlyList<InputUnit>? discovered = null)
    {
        var (input, only) = InputLocation.Open(locations.Input);
        var units = discovered ?? await InputDiscovery.FindAsync(input, cancellationToken, only).ConfigureAwait(false);
        if (units.FirstOrDefault(u => u.Format != InputFormat.Parquet) is { } csv)
            throw new FxException($"{input.Describe(csv.Key)}: the SQL executors read Parquet input only; convert CSV first or use the engine executor");
        var first = units[0];
        // The files' merged schema when they differ (read by name, as every executor does), else the first file's.
        IReadOnlyList<DataField> fields;
        await using (var reader = await InputDiscovery.OpenParquetAsync(input, first.Key, cancellationToken).ConfigureAwait(false))
            fields = first.Schema ?? reader.Schema.GetDataFields();
        // The added columns' names, in any case, the normalizer refuses; the SQL's working columns are the executors' own.
        new BatchNormalizer(rates, columns).Validate(fields, input.Describe(first.Key));
        if (fields.FirstOrDefault(f => SqlRenderer.WorkingColumns.Contains(f.Name)) is { } clash)
            throw new FxException($"{input.Describe(first.Key)}: column '{clash.Name}' has the name of a column the SQL executors work with (SQL matches " +
                "names ignoring case), which it would be taken for; rename it, or use the engine executor");

        var described = fields.Select(Describe).ToList();
        Require(described, columns.Date, ["date", "timestamp"], "a DATE or TIMESTAMP", input.Describe(first.Key));
        Require(described, columns.Currency, ["text"], "a string", input.Describe(first.Key));
        Require(described, columns.Amount, ["decimal", "integer"], "a DECIMAL or an integer", input.Describe(first.Key));
        RequireSqlRange(rates, described.Single(c => c.Name == columns.Amount).Scale);

        return new NormalizationPlan
        {
            Target = rates.Target,
            TargetScale = rates.TargetScale,
            MaxStaleDays = rates.MaxStaleDays,
            Columns = columns,
            InputColumns = described,
            KnownCurrencies = rates.Currencies.ToList(),
            Input = locations.Input,
            Output = locations.Output,
            Rejects = locations.Rejects,
            RateTable = rateTable,
        };
    }

    private static PlanColumn Describe(DataField field)
    {
        var type = field.ClrType;
        if (field is DecimalDataField dec)
            return new PlanColumn(field.Name, "decimal", dec.Scale, dec.Precision);
        if (Data.Column.IsText(type))
            return new PlanColumn(field.Name, "text");
        if (type == typeof(DateOnly))
            return new PlanColumn(field.Name, "date");
        if (type == typeof(DateTime) || type == typeof(DateTimeOffset))
            return new PlanColumn(field.Name, "timestamp");
        if (type == typeof(int) || type == typeof(short) || type == typeof(byte) || type == typeof(sbyte))
            return new PlanColumn(field.Name, "integer", 0, 10);
        if (type == typeof(long))
            return new PlanColumn(field.Name, "integer", 0, 19);
        if (type == typeof(double) || type == typeof(float))
            return new PlanColumn(field.Name, "double");
        if (type == typeof(bool))
            return new PlanColumn(field.Name, "boolean");
        return new PlanColumn(field.Name, "binary");
    }

    /// <summary>
    /// A factor of so many digits that the SQL's 38-digit integers (or Spark's 32-digit quotients)
    /// cannot convert with it exactly fails the plan, naming it, rather than failing a DuckDB run or
    /// rejecting good rows in Spark.
    /// </summary>
    private static void RequireSqlRange(RateTable rates, int amountScale)
    {
        var (toMinor, fromMinor) = (Math.Max(rates.TargetScale - amountScale, 0), Math.Max(amountScale - rates.TargetScale, 0));
        // Each snapshot's rate once, not once for every day it is carried forward to.
        foreach (var (currency, entry) in rates.Rows().Select(r => (r.Currency, r.Entry)).Distinct())
            if (SqlRenderer.ProductBound(entry.Conversion.Numerator, entry.Conversion.Denominator, toMinor, fromMinor) >= SqlRenderer.IntegerLimit
                || SqlRenderer.QuotientBound(entry.Conversion.Numerator, entry.Conversion.Denominator, toMinor) >= SqlRenderer.QuotientLimit)
                throw new FxException($"the {currency} rate of {entry.RateDate:yyyy-MM-dd} ({entry.Conversion.Numerator} / {entry.Conversion.Denominator} {rates.Target} per {currency}) " +
                    $"has too many digits for the SQL executors' integers (38 digits, 32 in Spark's quotients) with amounts of scale {amountScale}, whether or not a row is in {currency}; " +
                    "use the engine executor, or leave the currency out of the rates");
    }

    private static void Require(List<PlanColumn> columns, string name, string[] kinds, string expected, string origin)
    {
        var column = columns.Single(c => c.Name == name);
        if (!kinds.Contains(column.Kind))
            throw new FxException($"{origin}: column '{name}' is {column.Kind}; the SQL executors need {expected} (the engine executor reads more types)");
    }
}
