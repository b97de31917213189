using System.Buffers;
using System.Runtime.CompilerServices;

namespace FxEngine.Data;

/// <summary>
/// The values of one column, owned by exactly that column: an array rented from a pool (a
/// row group read from a file) or a plain one (gathered rows). It is readable as exactly
/// <see cref="Length"/> values until <see cref="Return"/>, after which every read throws, so a
/// buffer back in the pool, perhaps already another batch's, can never be read by mistake.
/// </summary>
internal sealed class ColumnBuffer<T>
{
    private readonly ArrayPool<T>? _pool;
    private T[]? _array;

    private ColumnBuffer(T[] array, int length, ArrayPool<T>? pool)
    {
        _array = array;
        _pool = pool;
        Length = length;
    }

    /// <summary>A buffer that owns <paramref name="values"/>; whoever made them must not write to them any more.</summary>
    public ColumnBuffer(T[] values) : this(values, values.Length, null) { }

    /// <summary>A buffer of <paramref name="length"/> values rented from <paramref name="pool"/> (the shared pool by default).</summary>
    public static ColumnBuffer<T> Rent(int length, ArrayPool<T>? pool = null)
    {
        pool ??= ArrayPool<T>.Shared;
        return new ColumnBuffer<T>(pool.Rent(length), length, pool);
    }

    public int Length { get; }

    public ReadOnlySpan<T> Span => Array.AsSpan(0, Length);

    public ReadOnlyMemory<T> Memory => Array.AsMemory(0, Length);

    /// <summary>For the column filling it, before anyone else can see it.</summary>
    public Memory<T> Writable => Array.AsMemory(0, Length);

    /// <summary>Gives a rented array back to its pool, once however often it is called.</summary>
    public void Return()
    {
        var array = Interlocked.Exchange(ref _array, null);
        if (array is not null && _pool is not null)
            _pool.Return(array, clearArray: RuntimeHelpers.IsReferenceOrContainsReferences<T>());
    }

    /// <summary>The values at <paramref name="rows"/>, in that order, in a plain array.</summary>
    public T[] Gather(ReadOnlySpan<int> rows)
    {
        var source = Span;
        var result = new T[rows.Length];
        for (var i = 0; i < rows.Length; i++)
            result[i] = source[rows[i]];
        return result;
    }

    /// <summary>The values split into groups, a plain array each, as <see cref="Column.Split"/> splits rows.</summary>
    public T[]?[] Split(int first, ReadOnlySpan<int> groupOf, ReadOnlySpan<int> sizes) => Split(Span, first, groupOf, sizes);

    /// <summary><paramref name="values"/> split into groups, a plain array each, as <see cref="Column.Split"/> splits rows.</summary>
    public static T[]?[] Split(ReadOnlySpan<T> values, int first, ReadOnlySpan<int> groupOf, ReadOnlySpan<int> sizes)
    {
        var groups = new T[]?[sizes.Length];
        for (var g = 0; g < groups.Length; g++)
            if (sizes[g] > 0)
                groups[g] = new T[sizes[g]];
        var filled = new int[groups.Length];
        for (var k = 0; k < groupOf.Length; k++)
            if (groupOf[k] is var g and >= 0)
                groups[g]![filled[g]++] = values[first + k];
        return groups;
    }

    private T[] Array => _array ?? throw new ObjectDisposedException(nameof(ColumnBatch), "the column's batch was disposed: its values went back to the pool");
}
