using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using FxEngine.Transforms.Currency;

namespace FxEngine.Sources.Rates;

/// <summary>
/// Parses the Open Exchange Rates JSON shape
/// (<c>{"timestamp":…,"base":"USD","rates":{"EUR":0.92,…}}</c>). Rates are read as
/// decimals straight from the JSON text, never through a double.
/// </summary>
internal static class RateSnapshotParser
{
    /// <summary>
    /// Parses and validates one snapshot. The snapshot's date is <paramref name="date"/> when
    /// known (a historical file), else the UTC date of its timestamp.
    /// </summary>
    /// <exception cref="FxException">
    /// The body is not a valid snapshot: code <see cref="FxErrorCode.InvalidSnapshot"/>, location <paramref name="origin"/>.
    /// </exception>
    public static RateSnapshot Parse(ReadOnlySpan<byte> json, string origin, DateOnly? date = null)
    {
        long? timestamp = null;
        string? @base = null;
        Dictionary<string, decimal>? rates = null;
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
            Expect(reader.Read() && reader.TokenType == JsonTokenType.StartObject, origin, "the body is not a JSON object");
            var seen = new HashSet<string>(StringComparer.Ordinal);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString()!;
                // Which of two copies of a field counts is the reader's guess: one rate table could silently lose currencies.
                Expect(name is not ("timestamp" or "base" or "rates") || seen.Add(name), origin, $"'{name}' appears twice");
                reader.Read();
                switch (name)
                {
                    case "error" when reader.TokenType == JsonTokenType.True:
                        throw new FxException(FxErrorCode.InvalidSnapshot, origin, "the body is an API error response, not a snapshot");
                    case "timestamp":
                        Expect(reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out _), origin, "'timestamp' is not an integer");
                        timestamp = reader.GetInt64();
                        break;
                    case "base":
                        Expect(reader.TokenType == JsonTokenType.String, origin, "'base' is not a string");
                        @base = reader.GetString();
                        break;
                    case "rates":
                        rates = ReadRates(ref reader, origin);
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }
        }
        catch (JsonException ex)
        {
            throw new FxException(FxErrorCode.InvalidSnapshot, origin, $"malformed JSON at line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}");
        }
        catch (InvalidOperationException)
        {
            // The reader checks a string's text (invalid UTF-8, a lone surrogate) only when it is read as one.
            throw new FxException(FxErrorCode.InvalidSnapshot, origin, "invalid rate snapshot: a name or string is not valid Unicode text");
        }

        Expect(@base is not null, origin, "the snapshot has no 'base'");
        Expect(Iso4217.IsWellFormed(@base), origin, $"'base' is '{@base}', not a currency code");
        Expect(rates is not null, origin, "the snapshot has no 'rates'");
        Expect(rates!.Count > 0, origin, "'rates' is empty");
        Expect(timestamp is not null, origin, "the snapshot has no 'timestamp'");
        if (rates.TryGetValue(@base!, out var baseRate))
            Expect(baseRate == 1m, origin, $"the base {@base} has rate {baseRate.ToString(CultureInfo.InvariantCulture)}, not 1");

        // Seconds since 1970, as Open Exchange Rates sends it; milliseconds or garbage would overflow.
        Expect(timestamp!.Value is >= 0 and <= 253_402_300_799, origin, $"'timestamp' {timestamp.Value} is not a Unix time in seconds");
        var time = DateTimeOffset.FromUnixTimeSeconds(timestamp.Value);
        var day = date ?? DateOnly.FromDateTime(time.UtcDateTime);
        // A rate table spans its snapshots' days: one dated 9999-12-31 would make it too large to hold.
        var tomorrow = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(1);
        Expect(day <= tomorrow, origin, $"its date {day:yyyy-MM-dd} is after tomorrow (UTC): no snapshot of that day can exist yet");
        Expect(day.Year >= 1970, origin, $"its date {day:yyyy-MM-dd} is before 1970");
        return new RateSnapshot(day, @base!, time, rates);
    }

    private static Dictionary<string, decimal> ReadRates(ref Utf8JsonReader reader, string origin)
    {
        Expect(reader.TokenType == JsonTokenType.StartObject, origin, "'rates' is not an object");
        var rates = new Dictionary<string, decimal>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var code = reader.GetString()!;
            Expect(Iso4217.IsWellFormed(code), origin, $"'{code}' in 'rates' is not a currency code (three capital letters)");
            reader.Read();
            Expect(reader.TokenType == JsonTokenType.Number, origin, $"rate for '{code}' is not a number");
            Expect(reader.TryGetDecimal(out var rate), origin, $"rate for '{code}' does not fit in a decimal");
            Expect(rate > 0, origin, $"rate for '{code}' is {rate.ToString(CultureInfo.InvariantCulture)}, not a positive number");
            Expect(rates.TryAdd(code, rate), origin, $"rate for '{code}' appears twice");
        }
        return rates;
    }

    private static void Expect([DoesNotReturnIf(false)] bool condition, string origin, string problem)
    {
        if (!condition)
            throw new FxException(FxErrorCode.InvalidSnapshot, origin, $"invalid rate snapshot: {problem}");
    }
}
