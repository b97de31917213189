using System.Text;

namespace FxEngine.Sources.Transactions;

/// <summary>
/// Reads RFC 4180 records: fields separated by <paramref name="delimiter"/> (a comma unless
/// the file uses another), optionally in double quotes, a quote inside a quoted field doubled,
/// line breaks allowed inside quotes, CRLF or LF endings. Tracks the line number a record
/// starts on, for error messages.
/// </summary>
internal sealed class CsvRecordReader(TextReader reader, char delimiter = ',')
{
    private readonly StringBuilder _field = new();
    private long _line = 1;

    /// <summary>The line the last record returned started on.</summary>
    public long RecordLine { get; private set; }

    /// <summary>
    /// The next record's fields, or null at the end of the input. A blank line (nothing on it, not
    /// even a quoted empty field) holds no record and is skipped, as DuckDB and Spark skip it: a
    /// file's trailing empty line is common, and no transactions file has a single column.
    /// </summary>
    public List<string>? Read()
    {
        while (ReadLine() is { } fields)
            if (fields is not [""] || _quotedOnLine)
                return fields;
        return null;
    }

    private bool _quotedOnLine;

    private List<string>? ReadLine()
    {
        var next = reader.Read();
        if (next < 0)
            return null;
        _quotedOnLine = false;

        RecordLine = _line;
        var fields = new List<string>();
        var quoted = false;
        var wasQuoted = false;
        _field.Clear();
        while (true)
        {
            if (next < 0)
            {
                if (quoted)
                    throw new FormatException($"line {RecordLine}: a quoted field is not closed before the end of the file");
                fields.Add(_field.ToString());
                return fields;
            }
            var ch = (char)next;
            if (quoted)
            {
                if (ch == '"')
                {
                    if (reader.Peek() == '"') { reader.Read(); _field.Append('"'); }
                    else quoted = false;
                }
                else
                {
                    if (ch == '\n') _line++;
                    _field.Append(ch);
                }
            }
            else if (ch == '"' && _field.Length == 0 && !wasQuoted)
            {
                quoted = wasQuoted = _quotedOnLine = true;
            }
            else if (ch == delimiter)
            {
                fields.Add(_field.ToString());
                _field.Clear();
                wasQuoted = false;
            }
            else if (ch == '\n' || ch == '\r')
            {
                if (ch == '\r' && reader.Peek() == '\n')
                    reader.Read();
                _line++;
                fields.Add(_field.ToString());
                return fields;
            }
            else if (wasQuoted)
            {
                throw new FormatException($"line {_line}: unexpected character after a closing quote");
            }
            else
            {
                _field.Append(ch);
            }
            next = reader.Read();
        }
    }
}
