using System.Globalization;
using System.Numerics;
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
            case RequiredColumn<double> c: Map(c.Values, FromBinary, into); break;
            case OptionalColumn<double> c: Map(c.Values, v => v is { } d ? FromBinary(d) : null, into); break;
            case RequiredColumn<float> c: Map(c.Values, FromBinary, into); break;
            case OptionalColumn<float> c: Map(c.Values, v => v is { } f ? FromBinary(f) : null, into); break;
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

    /// <summary>
    /// ISO 8601 timestamps only: the date, 'T' or a space, the time to the minute or second with
    /// an optional fraction, then Z, an offset or nothing (UTC). A culture's forms (03/04/2024
    /// 10:00, May 1 2024) are rejected rather than guessed at: read month first, a European
    /// writer's 3 April would quietly become 4 March.
    /// </summary>
    private static readonly string[] TimestampFormats =
    [
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd' 'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd'T'HH:mmK", "yyyy-MM-dd' 'HH:mmK",
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzz", "yyyy-MM-dd' 'HH:mm:ss.FFFFFFFzz",
    ];

    /// <summary>Places of a fraction of a second .NET parses: nanoseconds (Go, Java) are cut to them, which never moves the day.</summary>
    private const int FractionPlaces = 7;

    internal static int ParseDay(ReadOnlySpan<char> text)
    {
        var trimmed = text.Trim();
        if (DateOnly.TryParseExact(trimmed, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            return date.DayNumber;
        // A timestamp with a time and optional offset stands for its UTC date.
        Span<char> cut = stackalloc char[Math.Min(trimmed.Length, 64)];
        return trimmed.Length is > 10 and <= 64
            && DateTimeOffset.TryParseExact(WithinFractionPlaces(trimmed, cut), TimestampFormats, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            ? DateOnly.FromDateTime(time.UtcDateTime).DayNumber
            : NoDay;
    }

    /// <summary><paramref name="text"/> with a fraction of a second beyond <see cref="FractionPlaces"/> digits cut, in <paramref name="buffer"/>.</summary>
    private static ReadOnlySpan<char> WithinFractionPlaces(ReadOnlySpan<char> text, Span<char> buffer)
    {
        var point = text.IndexOf('.');
        if (point < 0)
            return text;
        var digits = point + 1;
        while (digits < text.Length && char.IsAsciiDigit(text[digits]))
            digits++;
        var excess = digits - point - 1 - FractionPlaces;
        if (excess <= 0)
            return text;
        var kept = point + 1 + FractionPlaces;
        text[..kept].CopyTo(buffer);
        text[digits..].CopyTo(buffer[kept..]);
        return buffer[..(text.Length - excess)];
    }

    /// <summary>
    /// The amount a text states, exactly, or none. .NET's parse rounds a text of more significant
    /// digits than a decimal holds (28 or 29) without a word: such a text is an invalid amount,
    /// kept as it is in the rejects, rather than read as another amount.
    /// </summary>
    internal static decimal? ParseAmount(ReadOnlySpan<char> text)
    {
        if (!decimal.TryParse(text, AmountStyle, CultureInfo.InvariantCulture, out var value))
            return null;
        var digits = 0;
        foreach (var c in text)
            if (char.IsAsciiDigit(c))
                digits++;
        return digits <= 28 || Significant(text) == Significant(value.ToString(CultureInfo.InvariantCulture)) ? value : null;
    }

    /// <summary>A number's digits without leading zeros, trailing zeros of its fraction, or sign: equal for equal values.</summary>
    private static (string Whole, string Fraction) Significant(ReadOnlySpan<char> number)
    {
        var text = number.Trim().TrimStart("+-");
        var point = text.IndexOf('.');
        var whole = point < 0 ? text : text[..point];
        var fraction = point < 0 ? [] : text[(point + 1)..];
        return (whole.TrimStart('0').ToString(), fraction.TrimEnd('0').ToString());
    }

    /// <summary>
    /// A binary float becomes the decimal of its own shortest round-trip text (0.1 stays 0.1, and
    /// a float's 0.01f stays 0.01 rather than becoming its double's 0.009999999776482582), which
    /// is what the writer of the value meant; NaN and infinities have no amount.
    /// </summary>
    private static decimal? FromBinary<T>(T value) where T : IFloatingPointIeee754<T>
    {
        if (!T.IsFinite(value))
            return null;
        Span<char> text = stackalloc char[32];
        return value.TryFormat(text, out var length, "R", CultureInfo.InvariantCulture)
            && decimal.TryParse(text[..length], NumberStyles.Float, CultureInfo.InvariantCulture, out var result)
            ? result
            : null;
    }
}
