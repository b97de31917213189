using System.Globalization;
using FxEngine.Data;

namespace FxEngine.Transforms;

/// <summary>
/// Decodes the three columns the join needs (date, currency, amount) from whatever types
/// the input uses into plain arrays, one loop per column and batch rather than a type test
/// per value. A value that cannot be decoded becomes null, which the normalizer rejects.
/// </summary>
internal static class KeyColumns
{
    private const NumberStyles AmountStyle = NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite
        | NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent;

    /// <summary>Fails before any row is read when a key column has a type that cannot hold its meaning.</summary>
    public static void Validate(Column column, string role, string origin)
    {
        var type = column.Field.ClrType;
        var supported = role switch
        {
            "date" => type == typeof(DateOnly) || type == typeof(DateTime) || type == typeof(DateTimeOffset) || Column.IsText(type),
            "currency" => Column.IsText(type),
            _ => type == typeof(decimal) || type == typeof(int) || type == typeof(long) || type == typeof(short)
                 || type == typeof(double) || type == typeof(float) || Column.IsText(type),
        };
        if (!supported)
        {
            var expected = role switch
            {
                "date" => "a date, a timestamp or a YYYY-MM-DD string",
                "currency" => "a string",
                _ => "a decimal, an integer, a double or a string",
            };
            throw new FxException($"{origin}: column '{column.Field.Name}' ({role}) has type {type.Name}; expected {expected}");
        }
    }

    public static DateOnly?[] Dates(Column column) => column switch
    {
        Column.RequiredColumn<DateOnly> c => Map(c.Values, v => (DateOnly?)v),
        Column.OptionalColumn<DateOnly> c => c.Values,
        Column.RequiredColumn<DateTime> c => Map(c.Values, v => (DateOnly?)UtcDate(v)),
        Column.OptionalColumn<DateTime> c => Map(c.Values, v => v is { } t ? UtcDate(t) : (DateOnly?)null),
        Column.RequiredColumn<DateTimeOffset> c => Map(c.Values, v => (DateOnly?)DateOnly.FromDateTime(v.UtcDateTime)),
        Column.OptionalColumn<DateTimeOffset> c => Map(c.Values, v => v is { } t ? DateOnly.FromDateTime(t.UtcDateTime) : (DateOnly?)null),
        Column.StringColumn c => Map(c.Values, ParseDate),
        _ => throw new InvalidOperationException($"unsupported date column type {column.Field.ClrType}"),
    };

    public static decimal?[] Amounts(Column column) => column switch
    {
        Column.RequiredColumn<decimal> c => Map(c.Values, v => (decimal?)v),
        Column.OptionalColumn<decimal> c => c.Values,
        Column.RequiredColumn<int> c => Map(c.Values, v => (decimal?)v),
        Column.OptionalColumn<int> c => Map(c.Values, v => (decimal?)v),
        Column.RequiredColumn<long> c => Map(c.Values, v => (decimal?)v),
        Column.OptionalColumn<long> c => Map(c.Values, v => (decimal?)v),
        Column.RequiredColumn<short> c => Map(c.Values, v => (decimal?)v),
        Column.OptionalColumn<short> c => Map(c.Values, v => (decimal?)v),
        Column.RequiredColumn<double> c => Map(c.Values, v => FromDouble(v)),
        Column.OptionalColumn<double> c => Map(c.Values, v => v is { } d ? FromDouble(d) : null),
        Column.RequiredColumn<float> c => Map(c.Values, v => FromDouble(v)),
        Column.OptionalColumn<float> c => Map(c.Values, v => v is { } f ? FromDouble(f) : null),
        Column.StringColumn c => Map(c.Values, ParseAmount),
        _ => throw new InvalidOperationException($"unsupported amount column type {column.Field.ClrType}"),
    };

    public static string?[] Strings(Column column) =>
        column is Column.StringColumn c ? c.Values : throw new InvalidOperationException($"unsupported currency column type {column.Field.ClrType}");

    private static TOut[] Map<TIn, TOut>(TIn[] values, Func<TIn, TOut> map)
    {
        var result = new TOut[values.Length];
        for (var i = 0; i < values.Length; i++)
            result[i] = map(values[i]);
        return result;
    }

    private static DateOnly UtcDate(DateTime value) =>
        DateOnly.FromDateTime(value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : value);

    private static DateOnly? ParseDate(string? text)
    {
        if (text is null)
            return null;
        var trimmed = text.AsSpan().Trim();
        if (DateOnly.TryParseExact(trimmed, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            return date;
        // A timestamp with a time and optional offset stands for its UTC date.
        return trimmed.Length > 10 && DateTimeOffset.TryParse(trimmed, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            ? DateOnly.FromDateTime(time.UtcDateTime)
            : null;
    }

    private static decimal? ParseAmount(string? text) =>
        text is not null && decimal.TryParse(text, AmountStyle, CultureInfo.InvariantCulture, out var value) ? value : null;

    /// <summary>
    /// A double becomes the decimal of its shortest round-trip text (0.1 stays 0.1), which is
    /// what the writer of the value meant; NaN and infinities have no amount.
    /// </summary>
    private static decimal? FromDouble(double value)
    {
        if (!double.IsFinite(value))
            return null;
        Span<char> text = stackalloc char[32];
        return value.TryFormat(text, out var length, "R", CultureInfo.InvariantCulture)
            && decimal.TryParse(text[..length], NumberStyles.Float, CultureInfo.InvariantCulture, out var result)
            ? result
            : null;
    }
}
