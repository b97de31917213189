using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FxEngine.Data;

/// <summary>
/// Appends column values to a byte buffer as their in-memory bytes (no encoding): a spilled
/// batch is read back by the same process, so its layout needs no portability, only speed.
/// </summary>
internal sealed class SpillWriter
{
    private const int InitialBytes = 1 << 20;
    private ArrayBufferWriter<byte> _bytes = new(InitialBytes);

    public ReadOnlyMemory<byte> Written => _bytes.WrittenMemory;

    /// <summary>Empties the buffer, keeping its capacity.</summary>
    public void Clear() => _bytes.ResetWrittenCount();

    /// <summary>Empties the buffer and lets a large one go.</summary>
    public void Reset() => _bytes = new ArrayBufferWriter<byte>(InitialBytes);

    public void Write(int value) => Write<int>([value]);

    /// <summary>The values' bytes, which must hold no references (checked by the runtime).</summary>
    public void Write<T>(ReadOnlySpan<T> values) where T : struct => MemoryMarshal.AsBytes(values).CopyTo(Append<byte>(MemoryMarshal.AsBytes(values).Length));

    /// <summary>
    /// Room for <paramref name="count"/> values at the end of the buffer, for the caller to fill
    /// before it appends anything else: values written in place, not one call each.
    /// </summary>
    public Span<T> Append<T>(int count) where T : struct
    {
        var bytes = checked(count * Unsafe.SizeOf<T>());
        var room = MemoryMarshal.Cast<byte, T>(_bytes.GetSpan(bytes)[..bytes]);
        _bytes.Advance(bytes);
        return room;
    }
}

/// <summary>
/// Reads back one record a <see cref="SpillWriter"/> wrote, in the same order;
/// <paramref name="origin"/> names where the bytes came from in an error.
/// </summary>
internal sealed class SpillReader(ReadOnlyMemory<byte> bytes, string origin)
{
    private int _at;

    public bool End => _at == bytes.Length;

    public int ReadInt()
    {
        Span<int> value = [0];
        Read(value);
        return value[0];
    }

    /// <summary>Fills <paramref name="values"/> with the next values.</summary>
    public void Read<T>(Span<T> values) where T : struct
    {
        var into = MemoryMarshal.AsBytes(values);
        if (into.Length > bytes.Length - _at)
            throw new InvalidDataException($"{origin}: a spilled record is shorter than its columns");
        bytes.Span.Slice(_at, into.Length).CopyTo(into);
        _at += into.Length;
    }
}

/// <summary>
/// One column of several spilled records, read back as one column: each record's reader, at the
/// column's bytes, and its rows. A column kind reads its sections (lengths, characters, flags)
/// from every part in turn, each into one buffer for all the parts, rented from the shared pool:
/// fresh row-group-sized arrays would each be a large-object allocation, which the GC pays for
/// with a full collection.
/// </summary>
internal sealed class SpilledParts(SpillReader[] readers, int[] rows)
{
    public int Count => readers.Length;

    public SpillReader this[int part] => readers[part];

    /// <summary>Each part's rows.</summary>
    public ReadOnlySpan<int> Rows => rows;

    public int TotalRows { get; } = rows.Sum();

    /// <summary>The next value of each row of every part, one part after another, in one buffer the caller owns and returns.</summary>
    public ColumnBuffer<T> Read<T>() where T : struct => Read<T>(rows);

    /// <summary>The next <paramref name="counts"/>[i] values of part i, one part after another, in one buffer the caller owns and returns.</summary>
    public ColumnBuffer<T> Read<T>(ReadOnlySpan<int> counts) where T : struct
    {
        var total = 0;
        foreach (var count in counts)
            total = checked(total + count);
        var values = ColumnBuffer<T>.Rent(total);
        try
        {
            var into = values.Writable.Span;
            for (var (part, at) = (0, 0); part < readers.Length; at += counts[part++])
                readers[part].Read(into.Slice(at, counts[part]));
        }
        catch
        {
            values.Return();
            throw;
        }
        return values;
    }
}
