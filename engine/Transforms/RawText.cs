using System.Globalization;
using FxEngine.Data;
using Parquet.Schema;

namespace FxEngine.Transforms;

/// <summary>
/// One value of a key column as invariant text, for <c>reject_detail</c>: text as read (untrimmed),
/// DATE as yyyy-MM-dd, TIMESTAMP as ISO-8601 UTC with microseconds, a decimal as plain digits with
/// its column's scale, an integer or a double as its shortest round-trip digits; null stays null.
/// The SQL executors render the same text (<see cref="Plan.SqlRenderer"/>), so rejects compare equal.
/// </summary>
internal static class RawText
{
    public const string TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'";

    public static string? Of(Column column, int row) => column switch
    {
        StringColumn c => c.Values[row],
        TextColumn c => !c.Nulls.IsEmpty && c.Nulls[row] ? null : c.Values[row].ToString(),
        RequiredColumn<DateOnly> c => Date(c.Values[row]),
        OptionalColumn<DateOnly> c => c.Values[row] is { } v ? Date(v) : null,
        RequiredColumn<DateTime> c => Timestamp(c.Values[row]),
        OptionalColumn<DateTime> c => c.Values[row] is { } v ? Timestamp(v) : null,
        RequiredColumn<decimal> c => Decimal(c.Field, c.Values[row]),
        OptionalColumn<decimal> c => c.Values[row] is { } v ? Decimal(c.Field, v) : null,
        RequiredColumn<int> c => Number(c.Values[row]),
        OptionalColumn<int> c => c.Values[row] is { } v ? Number(v) : null,
        RequiredColumn<long> c => Number(c.Values[row]),
        OptionalColumn<long> c => c.Values[row] is { } v ? Number(v) : null,
        RequiredColumn<short> c => Number(c.Values[row]),
        OptionalColumn<short> c => c.Values[row] is { } v ? Number(v) : null,
        RequiredColumn<double> c => Number(c.Values[row]),
        OptionalColumn<double> c => c.Values[row] is { } v ? Number(v) : null,
        RequiredColumn<float> c => Number(c.Values[row]),
        OptionalColumn<float> c => c.Values[row] is { } v ? Number(v) : null,
        _ => throw new InvalidOperationException($"column '{column.Field.Name}' of type {column.Field.ClrType} has no text form"),
    };

    private static string Date(DateOnly value) => value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Timestamp(DateTime value) =>
        (value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : value).ToString(TimestampFormat, CultureInfo.InvariantCulture);

    /// <summary>Every place of the column's scale (10.0000 for DECIMAL(18,4)), as DuckDB and Spark cast a decimal to text.</summary>
    private static string Decimal(DataField field, decimal value) =>
        field is DecimalDataField d ? value.ToString($"F{d.Scale}", CultureInfo.InvariantCulture) : value.ToString(CultureInfo.InvariantCulture);

    private static string Number<T>(T value) where T : IFormattable => value.ToString(null, CultureInfo.InvariantCulture);
}
