using System.Buffers;
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
    public void Write<T>(ReadOnlySpan<T> values) where T : struct
    {
        var bytes = MemoryMarshal.AsBytes(values);
        bytes.CopyTo(_bytes.GetSpan(bytes.Length));
        _bytes.Advance(bytes.Length);
    }
}

/// <summary>Reads back what a <see cref="SpillWriter"/> wrote, in the same order, into new arrays.</summary>
internal ref struct SpillReader(ReadOnlySpan<byte> bytes)
{
    private ReadOnlySpan<byte> _rest = bytes;

    public readonly bool End => _rest.IsEmpty;

    public int ReadInt() => Read<int>(1)[0];

    public T[] Read<T>(int count) where T : struct
    {
        var values = new T[count];
        var bytes = MemoryMarshal.AsBytes(values.AsSpan());
        _rest[..bytes.Length].CopyTo(bytes);
        _rest = _rest[bytes.Length..];
        return values;
    }
}
