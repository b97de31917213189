using System.Globalization;
using FxEngine.Data;

namespace FxEngine.Transforms;

/// <summary>
/// Decodes the three columns the join needs (date, currency, amount) from whatever types
/// the input uses into plain arrays, one loop per column and batch rather than a type test
/// per value. A value that cannot be decoded becomes "none", which the normalizer rejects.
/// </summary>
internal static class KeyColumns
{
    /// <summary>The day number of a missing or unreadable date.</summary>
    public const int NoDay = int.MinValue;

    /// <summary>
    /// A text amount is a plain decimal: optional sign, digits, optional point. Money files write
    /// amounts that way, so exponent notation (1e3) is more likely a spreadsheet's mangling of
    /// an identifier or a float than an amount: it is rejected, never reinterpreted.
    /// </summary>
    private const NumberStyles AmountStyle = NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite
        | NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint;

    public delegate T TextMap<T>(ReadOnlySpan<char> text);

    /// <summary>Fails before any row is read when a key column has a type that cannot hold its meaning.</summary>
    public static void Validate(Parquet.Schema.DataField field, string role, string origin)
    {
        var type = field.ClrType;
        var name = field.Name;
        var supported = role switch
        {
            "date" => type == typeof(DateOnly) || type == typeof(DateTime) || Column.IsText(type),
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
            throw new FxException($"{origin}: column '{name}' ({role}) has type {Column.SqlType(field)}; expected {expected}");
        }
    }

    /// <summary>Day numbers (<see cref="DateOnly.DayNumber"/>) of each row's UTC date, or <see cref="NoDay"/>, into <paramref name="into"/>.</summary>
    public static void DayNumbers(Column column, Span<int> into)
    {
        switch (column)
        {
            case RequiredColumn<DateOnly> c: Map(c.Values, v => v.DayNumber, into); break;
            case OptionalColumn<DateOnly> c: Map(c.Values, v => v?.DayNumber ?? NoDay, into); break;
            case RequiredColumn<DateTime> c: Map(c.Values, UtcDay, into); break;
            case OptionalColumn<DateTime> c: Map(c.Values, v => v is { } t ? UtcDay(t) : NoDay, into); break;
            default: MapText(column, ParseDay, NoDay, into); break;
        }
    }

    /// <summary>Each row's amount as a decimal, or null, into <paramref name="into"/>.</summary>
    public static void Amounts(Column column, Span<decimal?> into)
    {
        switch (column)
        {
            case RequiredColumn<decimal> c: Map(c.Values, v => (decimal?)v, into); break;
            case OptionalColumn<decimal> c: c.Values.CopyTo(into); break;
            case RequiredColumn<int> c: Map(c.Values, v => (decimal?)v, into); break;
            case OptionalColumn<int> c: Map(c.Values, v => (decimal?)v, into); break;
            case RequiredColumn<long> c: Map(c.Values, v => (decimal?)v, into); break;
            case OptionalColumn<long> c: Map(c.Values, v => (decimal?)v, into); break;
            case RequiredColumn<short> c: Map(c.Values, v => (decimal?)v, into); break;
            case OptionalColumn<short> c: Map(c.Values, v => (decimal?)v, into); break;
            case RequiredColumn<double> c: Map(c.Values, FromDouble, into); break;
            case OptionalColumn<double> c: Map(c.Values, v => v is { } d ? FromDouble(d) : null, into); break;
            case RequiredColumn<float> c: Map(c.Values, v => FromDouble(v), into); break;
            case OptionalColumn<float> c: Map(c.Values, v => v is { } f ? FromDouble(f) : null, into); break;
            default: MapText(column, ParseAmount, null, into); break;
        }
    }

    /// <summary>Maps each text value (string or UTF-8 slice) of a column into <paramref name="into"/>; nulls map to <paramref name="ifNull"/>.</summary>
    public static void MapText<T>(Column column, TextMap<T> map, T ifNull, Span<T> into)
    {
        switch (column)
        {
            case StringColumn c:
                var strings = c.Values;
                for (var i = 0; i < strings.Length; i++)
                    into[i] = strings[i] is { } text ? map(text) : ifNull;
                break;
            case TextColumn c:
                var values = c.Values;
                var nulls = c.Nulls;
                for (var i = 0; i < values.Length; i++)
                    into[i] = !nulls.IsEmpty && nulls[i] ? ifNull : map(values[i].Span);
                break;
            default:
                throw new InvalidOperationException($"column '{column.Field.Name}' of type {column.Field.ClrType} is not text");
        }
    }

    private static void Map<TIn, TOut>(ReadOnlySpan<TIn> values, Func<TIn, TOut> map, Span<TOut> into)
    {
        for (var i = 0; i < values.Length; i++)
            into[i] = map(values[i]);
    }

    private static int UtcDay(DateTime value) =>
        DateOnly.FromDateTime(value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : value).DayNumber;

    internal static int ParseDay(ReadOnlySpan<char> text)
    {
        var trimmed = text.Trim();
        if (DateOnly.TryParseExact(trimmed, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            return date.DayNumber;
        // A timestamp with a time and optional offset stands for its UTC date.
        return trimmed.Length > 10 && DateTimeOffset.TryParse(trimmed, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            ? DateOnly.FromDateTime(time.UtcDateTime).DayNumber
            : NoDay;
    }

    private static decimal? ParseAmount(ReadOnlySpan<char> text) =>
        decimal.TryParse(text, AmountStyle, CultureInfo.InvariantCulture, out var value) ? value : null;

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
