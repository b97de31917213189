using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FxEngine.Storage;

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
/// Reads back one record a <see cref="SpillWriter"/> wrote, in the same order, from the spill file
/// straight into arrays rented from the shared pool (no intermediate buffer the size of the
/// record): every spilled row is read back once, and fresh row-group-sized arrays would each be a
/// large-object allocation, which the GC pays for with a full collection.
/// </summary>
internal sealed class SpillReader(SpillFile file, long offset, int length)
{
    private readonly long _end = offset + length;
    private long _at = offset;

    public bool End => _at == _end;

    public int ReadInt()
    {
        Span<int> value = [0];
        Read(value);
        return value[0];
    }

    /// <summary>The next <paramref name="count"/> values, in a buffer the caller owns and returns.</summary>
    public ColumnBuffer<T> Rent<T>(int count) where T : struct
    {
        var values = ColumnBuffer<T>.Rent(count);
        try
        {
            Read(values.Writable.Span);
        }
        catch
        {
            values.Return();
            throw;
        }
        return values;
    }

    /// <summary>Fills <paramref name="values"/> with the next values.</summary>
    public void Read<T>(Span<T> values) where T : struct
    {
        var bytes = MemoryMarshal.AsBytes(values);
        if (_at + bytes.Length > _end)
            throw new InvalidDataException($"{file.Path}: a spilled record is shorter than its columns");
        file.Read(_at, bytes);
        _at += bytes.Length;
    }
}
