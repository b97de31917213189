using Parquet;
using Parquet.Schema;

namespace FxEngine.Data;

/// <summary>
/// A required text column whose values come from a <see cref="CodeTable"/> (currency codes,
/// conversion statuses): each row holds its value's code. Its rows weigh two bytes, hold no
/// reference for the GC to trace while they wait, and spill as the codes alone.
/// </summary>
internal sealed class CodeColumn : Column
{
    private readonly CodeTable _table;
    private readonly ColumnBuffer<ushort> _codes;

    private CodeColumn(DataField field, CodeTable table, ColumnBuffer<ushort> codes) : base(field) => (_table, _codes) = (table, codes);

    /// <summary>A column that owns <paramref name="codes"/>, each a value of <paramref name="table"/>.</summary>
    public CodeColumn(DataField field, CodeTable table, ushort[] codes) : this(field, table, new ColumnBuffer<ushort>(codes)) { }

    public ReadOnlySpan<ushort> Codes => _codes.Span;

    /// <summary>The text of row <paramref name="row"/>.</summary>
    public string Text(int row) => _table[_codes.Span[row]];

    public override int Length => _codes.Length;

    internal override Column Gather(ReadOnlySpan<int> rows) => new CodeColumn(Field, _table, _codes.Gather(rows));

    internal override Column?[] Split(int first, ReadOnlySpan<int> groupOf, ReadOnlySpan<int> sizes) =>
        _codes.Split(first, groupOf, sizes).Select(codes => codes is null ? null : new CodeColumn(Field, _table, codes)).ToArray();

    /// <summary>The codes alone: they are read back with the table of the column that loads them, the field's one table.</summary>
    internal override void Spill(SpillWriter writer) => writer.Write(_codes.Span);

    internal override Column Load(SpilledParts parts) => new CodeColumn(Field, _table, parts.Read<ushort>());

    internal override Task WriteAsync(ParquetRowGroupWriter writer, CancellationToken cancellationToken) =>
        ColumnChunkWriter.WriteAsync<ReadOnlyMemory<char>>(Field, Length, Fill, writer, cancellationToken);

    private int Fill(Span<ReadOnlyMemory<char>> values, Span<int> levels, int present)
    {
        var codes = _codes.Span;
        for (var i = 0; i < codes.Length; i++)
            values[i] = _table.Memory(codes[i]);
        levels.Fill(present);
        return codes.Length;
    }

    internal override void ReturnBuffers() => _codes.Return();
}

/// <summary>A fixed set of texts, each known by a two-byte code; one instance per set, for the life of the process.</summary>
internal sealed class CodeTable
{
    private readonly string[] _texts;
    private readonly ReadOnlyMemory<char>[] _memory;

    private CodeTable(IEnumerable<string> texts)
    {
        _texts = texts.ToArray();
        _memory = _texts.Select(text => text.AsMemory()).ToArray();
    }

    /// <summary>Every code of three letters A-Z, the form a converted row's currency takes (<see cref="CurrencyCode"/>).</summary>
    public static CodeTable Currencies { get; } = new(Enumerable.Range(0, 26 * 26 * 26)
        .Select(i => string.Create(3, i, (chars, n) => (chars[0], chars[1], chars[2]) = ((char)('A' + n / 676), (char)('A' + n / 26 % 26), (char)('A' + n % 26)))));

    /// <summary>A converted row's rate status: <see cref="Exact"/> or <see cref="Stale"/>.</summary>
    public static CodeTable Statuses { get; } = new(["exact", "stale"]);

    public const ushort Exact = 0;
    public const ushort Stale = 1;

    public string this[ushort code] => _texts[code];

    public ReadOnlyMemory<char> Memory(ushort code) => _memory[code];

    /// <summary>The code of a currency of three letters A-Z in <see cref="Currencies"/>; null for any other text.</summary>
    public static ushort? CurrencyCode(string currency) =>
        currency is [var a and >= 'A' and <= 'Z', var b and >= 'A' and <= 'Z', var c and >= 'A' and <= 'Z']
            ? (ushort)((a - 'A') * 676 + (b - 'A') * 26 + (c - 'A'))
            : null;
}
