using System.Text;
using System.Text.Json;
using FxEngine.Kafka;
using FxEngine.Transforms;

namespace FxEngine.Streaming;

/// <summary>One consumed transaction: where it came from, its field values by column, and its day.</summary>
internal sealed class StreamRow(int partition, long offset, string?[] values, int day, long producedAt)
{
    /// <summary>The message's key, which the output topic's message carries too.</summary>
    public byte[]? Key { get; init; }

    public int Partition { get; } = partition;
    public long Offset { get; } = offset;

    /// <summary>Text of each field by <see cref="StreamColumns"/> index (shorter when later messages added columns).</summary>
    public string?[] Values { get; } = values;

    /// <summary>The transaction's UTC day number, or <see cref="KeyColumns.NoDay"/>.</summary>
    public int Day { get; } = day;

    /// <summary>When it was produced, on the <see cref="Environment.TickCount64"/> clock, for the grace period.</summary>
    public long ProducedAt { get; } = producedAt;

    /// <summary>Why the message is not a transaction object (then every value is null).</summary>
    public string? Problem { get; init; }
}

/// <summary>The input columns of a stream, in the order first seen; a message with a new field adds one.</summary>
internal sealed class StreamColumns
{
    private readonly List<string> _names = [];
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);

    public StreamColumns(IEnumerable<string> known)
    {
        foreach (var name in known)
            IndexOf(name);
    }

    public IReadOnlyList<string> Names => _names;

    public int IndexOf(string name)
    {
        if (!_index.TryGetValue(name, out var index))
        {
            _index[name] = index = _names.Count;
            _names.Add(name);
        }
        return index;
    }

    public bool Contains(string name) => _index.ContainsKey(name);

    /// <summary>A known column's own name for <paramref name="name"/>'s characters, with no string made; null when new.</summary>
    public string? Known(ReadOnlySpan<char> name) =>
        _index.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(name, out var known, out _) ? known : null;
}

/// <summary>
/// Reads a transaction message: one JSON object whose fields become text columns, exactly as
/// a CSV file's do (the normalizer then reads and types dates and amounts as for CSV input). A
/// number keeps its JSON text, so an amount is never read through a double; a nested object or
/// array is kept as its JSON text. A message that is not such an object yields a row with a
/// <see cref="StreamRow.Problem"/> and no values: it becomes an <c>invalid_message</c> reject.
/// </summary>
internal sealed class TransactionDecoder(StreamColumns columns, ColumnMapping mapping, string target)
{
    /// <summary>A larger value is refused unread: one field of it would otherwise bloat every file it lands in.</summary>
    public const int MaxValueBytes = DeadLetters.MaxBodyBytes;

    /// <summary>
    /// Columns a stream's table may grow to: every field name becomes a column of every later
    /// file, so a message naming thousands of new fields is refused rather than let in.
    /// </summary>
    public const int MaxColumns = 256;

    private const int MaxNameLength = 128;

    // Scratch reused message after message (one decoder per thread).
    private readonly List<(string Name, string? Text)> _fields = [];
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);

    /// <summary>The columns the normalizer adds (in any case), and the output topic's row number.</summary>
    private readonly HashSet<string> _reserved = new(OutputSchema.AddedColumns(target).Append(OutputTopic.RowColumn), StringComparer.OrdinalIgnoreCase);

    public StreamRow Decode(int partition, long offset, byte[]? key, byte[]? value, long producedAt)
    {
        if (value is null)
            return Invalid(partition, offset, key, producedAt, "the message has no value");
        if (value.Length > MaxValueBytes)
            return Invalid(partition, offset, key, producedAt, $"the value is {value.Length:N0} bytes, over the {MaxValueBytes / 1024} KiB a transaction may take");
        var fields = _fields;
        fields.Clear();
        try
        {
            var reader = new Utf8JsonReader(value, new JsonReaderOptions { MaxDepth = 16 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                return Invalid(partition, offset, key, producedAt, $"not a JSON object (it starts with {Describe(reader)})");
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = Name(ref reader);
                reader.Read();
                var text = Text(ref reader, value);
                // A JSON number is a typed number, as a Parquet amount is: its exponent form is the same amount.
                if (reader.TokenType == JsonTokenType.Number && name == mapping.Amount)
                    text = PlainNumber(text!);
                fields.Add((name, text));
            }
            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
                return Invalid(partition, offset, key, producedAt, "not one JSON object: something follows it");
        }
        catch (JsonException ex)
        {
            return Invalid(partition, offset, key, producedAt, $"not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine}): {ex.Message.Split(" LineNumber")[0]}");
        }
        catch (InvalidOperationException ex)
        {
            return Invalid(partition, offset, key, producedAt, $"not valid JSON: {ex.Message}");
        }

        var seen = _seen;
        seen.Clear();
        var added = 0;
        foreach (var (name, _) in fields)
        {
            if (!seen.Add(name))
                return Invalid(partition, offset, key, producedAt, $"field '{Printable(name)}' appears twice");
            if (columns.Contains(name))
                continue; // a column already: its name passed the checks below when it was added
            if (name.Length == 0 || name.Length > MaxNameLength || name.Any(char.IsControl))
                return Invalid(partition, offset, key, producedAt, $"field name '{Printable(name)}' is empty, longer than {MaxNameLength} characters or holds control characters");
            if (_reserved.Contains(name))
                return Invalid(partition, offset, key, producedAt, $"field '{name}' is a column the normalizer adds; rename it");
            if (name == OutputSchema.PartitionColumn && mapping.Date != OutputSchema.PartitionColumn)
                return Invalid(partition, offset, key, producedAt, $"field '{name}' is the table's partition column but the date field is '{mapping.Date}'");
            added++;
        }
        if (columns.Names.Count + added > MaxColumns)
            return Invalid(partition, offset, key, producedAt, $"its {added} new field(s) would take the table past {MaxColumns} columns");
        string? date = null;
        foreach (var (name, _) in fields)
            columns.IndexOf(name);
        var values = new string?[columns.Names.Count];
        foreach (var (name, text) in fields)
        {
            values[columns.IndexOf(name)] = text;
            if (name == mapping.Date)
                date = text;
        }
        return new StreamRow(partition, offset, values, date is null ? KeyColumns.NoDay : KeyColumns.ParseDay(date), producedAt) { Key = key };
    }

    /// <summary>A property's name: a known column's own string (none made per message), or a new one.</summary>
    private string Name(ref Utf8JsonReader reader)
    {
        if (reader.ValueSpan.Length <= MaxNameLength && !reader.ValueIsEscaped)
        {
            Span<char> chars = stackalloc char[MaxNameLength];
            var length = Encoding.UTF8.GetChars(reader.ValueSpan, chars);
            if (columns.Known(chars[..length]) is { } known)
                return known;
        }
        return reader.GetString()!;
    }

    private static StreamRow Invalid(int partition, long offset, byte[]? key, long producedAt, string problem) =>
        new(partition, offset, [], KeyColumns.NoDay, producedAt) { Key = key, Problem = problem };

    /// <summary>A field's text: strings unescaped, numbers and literals as written, nested values as their JSON; null stays null.</summary>
    private static string? Text(ref Utf8JsonReader reader, byte[] value)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.String:
                return reader.GetString();
            case JsonTokenType.Number:
            case JsonTokenType.True:
            case JsonTokenType.False:
                return Encoding.UTF8.GetString(reader.ValueSpan);
            case JsonTokenType.StartObject:
            case JsonTokenType.StartArray:
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                return Encoding.UTF8.GetString(value, start, (int)reader.BytesConsumed - start);
            default:
                throw new JsonException($"unexpected {reader.TokenType}");
        }
    }

    /// <summary>
    /// A JSON number's digits without an exponent (<c>1.25E+3</c> → <c>1250</c>), by moving the
    /// point in the text: exact whatever the digits. An exponent beyond ±40 is left as written,
    /// which no amount column can hold anyway.
    /// </summary>
    internal static string PlainNumber(string number)
    {
        var e = number.IndexOfAny(['e', 'E']);
        if (e < 0 || !int.TryParse(number.AsSpan(e + 1), System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var exponent)
            || Math.Abs(exponent) > 40)
            return number;
        var sign = number[0] == '-' ? "-" : "";
        var mantissa = number[sign.Length..e];
        var dot = mantissa.IndexOf('.');
        var digits = dot < 0 ? mantissa : mantissa.Remove(dot, 1);
        var point = (dot < 0 ? mantissa.Length : dot) + exponent;
        var plain = point <= 0 ? "0." + new string('0', -point) + digits
            : point >= digits.Length ? digits + new string('0', point - digits.Length)
            : digits[..point] + "." + digits[point..];
        return sign + plain;
    }

    private static string Printable(string name) =>
        new string(name.Take(MaxNameLength).Select(c => char.IsControl(c) ? '?' : c).ToArray()) + (name.Length > MaxNameLength ? "…" : "");

    private static string Describe(Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => "nothing",
    };
}
