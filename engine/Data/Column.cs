using Parquet;
using Parquet.Schema;

namespace FxEngine.Data;

/// <summary>
/// One column of a batch: a Parquet field and its values in a plain array, so rows can be
/// gathered into partitions and written back without knowing the column's type.
/// </summary>
internal abstract class Column
{
    protected Column(DataField field) => Field = field;

    public DataField Field { get; }

    public abstract int Length { get; }

    /// <summary>
    /// Hands a pooled column's buffer back once nothing reads it any more (after the batch is
    /// normalized): row-group-sized arrays then stop churning the large-object heap, whose
    /// growth is what triggers full collections.
    /// </summary>
    public virtual void Release() { }

    /// <summary>A new column holding the given rows, in that order.</summary>
    public abstract Column Gather(ReadOnlySpan<int> rows);

    public abstract Task WriteAsync(ParquetRowGroupWriter writer, CancellationToken cancellationToken);

    /// <summary>
    /// Writes <paramref name="parts"/> (this column first, all of its type) as
    /// one column chunk, through a pooled buffer: a row group assembled from many small
    /// chunks then costs no large allocation.
    /// </summary>
    public abstract Task WriteConcatAsync(IReadOnlyList<Column> parts, ParquetRowGroupWriter writer, CancellationToken cancellationToken);

    protected static async Task WritePooledAsync<T>(IReadOnlyList<Column> parts, Func<Column, T[]> values, Func<T[], int, Task> write)
    {
        var total = parts.Sum(p => p.Length);
        var buffer = System.Buffers.ArrayPool<T>.Shared.Rent(total);
        try
        {
            var at = 0;
            foreach (var part in parts)
            {
                values(part).AsSpan(0, part.Length).CopyTo(buffer.AsSpan(at));
                at += part.Length;
            }
            await write(buffer, total).ConfigureAwait(false);
        }
        finally
        {
            System.Buffers.ArrayPool<T>.Shared.Return(buffer, clearArray: System.Runtime.CompilerServices.RuntimeHelpers.IsReferenceOrContainsReferences<T>());
        }
    }

    /// <summary>Reads a whole column of a row group, whatever its type.</summary>
    public static async Task<Column> ReadAsync(ParquetRowGroupReader reader, DataField field, CancellationToken cancellationToken)
    {
        var rows = checked((int)reader.RowCount);
        if (field.IsArray)
            throw new NotSupportedException($"column '{field.Name}' is a list; nested columns are not supported");
        if (field.ClrType == typeof(string))
        {
            var values = new string?[rows];
            await reader.ReadAsync(field, values.AsMemory(), null, cancellationToken).ConfigureAwait(false);
            return new StringColumn(field, values);
        }
        if (field.ClrType == typeof(byte[]))
        {
            var values = new byte[]?[rows];
            await reader.ReadAsync(field, values.AsMemory(), null, cancellationToken).ConfigureAwait(false);
            return new BytesColumn(field, values);
        }
        var factory = field.IsNullable ? typeof(OptionalColumn<>) : typeof(RequiredColumn<>);
        ITypedReader column;
        try
        {
            column = (ITypedReader)Activator.CreateInstance(factory.MakeGenericType(field.ClrType), field, rows)!;
        }
        catch (System.Reflection.TargetInvocationException ex) when (ex.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex.InnerException);
            throw;
        }
        await column.ReadAsync(reader, cancellationToken).ConfigureAwait(false);
        return (Column)column;
    }

    /// <summary>
    /// Parquet.Net 6 reads UTF-8 columns as ReadOnlyMemory&lt;char&gt; slices of one buffer, far
    /// cheaper than a string per value; CSV columns are strings.
    /// </summary>
    public static bool IsText(Type type) => type == typeof(string) || type == typeof(ReadOnlyMemory<char>);

    /// <summary>
    /// A field's type as SQL engines (DuckDB, Spark) and the docs spell it, for messages:
    /// VARCHAR, DATE, DECIMAL(18,2) rather than .NET's ReadOnlyMemory`1 or Decimal.
    /// </summary>
    public static string SqlType(DataField field)
    {
        var type = field.ClrType;
        var name = field switch
        {
            DecimalDataField d => $"DECIMAL({d.Precision},{d.Scale})",
            _ when IsText(type) => "VARCHAR",
            _ when type == typeof(byte[]) => "BLOB",
            _ when type == typeof(DateOnly) => "DATE",
            _ when type == typeof(DateTime) => "TIMESTAMP",
            _ when type == typeof(DateTimeOffset) => "TIMESTAMP WITH TIME ZONE",
            _ when type == typeof(TimeOnly) || type == typeof(TimeSpan) => "TIME",
            _ when type == typeof(decimal) => "DECIMAL",
            _ when type == typeof(bool) => "BOOLEAN",
            _ when type == typeof(sbyte) => "TINYINT",
            _ when type == typeof(byte) => "UTINYINT",
            _ when type == typeof(short) => "SMALLINT",
            _ when type == typeof(ushort) => "USMALLINT",
            _ when type == typeof(int) => "INTEGER",
            _ when type == typeof(uint) => "UINTEGER",
            _ when type == typeof(long) => "BIGINT",
            _ when type == typeof(ulong) => "UBIGINT",
            _ when type == typeof(float) => "FLOAT",
            _ when type == typeof(double) => "DOUBLE",
            _ when type == typeof(Guid) => "UUID",
            _ => type.Name,
        };
        return field.IsArray ? $"{name}[]" : field.IsNullable ? name : $"{name} NOT NULL";
    }

    /// <summary>Reading into a typed column, dispatched once per column rather than per value.</summary>
    private interface ITypedReader
    {
        ValueTask ReadAsync(ParquetRowGroupReader reader, CancellationToken cancellationToken);
    }

    protected static T[] GatherArray<T>(T[] source, ReadOnlySpan<int> rows)
    {
        var result = new T[rows.Length];
        for (var i = 0; i < rows.Length; i++)
            result[i] = source[rows[i]];
        return result;
    }

    /// <summary>A column of a non-nullable primitive type; <see cref="Values"/> may be longer than <see cref="Length"/> when pooled.</summary>
    public sealed class RequiredColumn<T> : Column, ITypedReader where T : struct
    {
        private readonly int _length;
        private bool _pooled;

        /// <summary>A column read from a row group, in a buffer rented from the shared pool.</summary>
        public RequiredColumn(DataField field, int rows) : base(field)
        {
            Values = System.Buffers.ArrayPool<T>.Shared.Rent(rows);
            _length = rows;
            _pooled = true;
        }

        public RequiredColumn(DataField field, T[] values) : base(field)
        {
            Values = values;
            _length = values.Length;
        }

        public T[] Values { get; }
        public override int Length => _length;

        public override Column Gather(ReadOnlySpan<int> rows)
        {
            var values = GatherArray(Values, rows);
            if (typeof(T) == typeof(ReadOnlyMemory<char>))
                Text.Compact(System.Runtime.CompilerServices.Unsafe.As<T[], ReadOnlyMemory<char>[]>(ref values));
            return new RequiredColumn<T>(Field, values);
        }

        public override void Release()
        {
            if (!_pooled)
                return;
            _pooled = false;
            System.Buffers.ArrayPool<T>.Shared.Return(Values, System.Runtime.CompilerServices.RuntimeHelpers.IsReferenceOrContainsReferences<T>());
        }

        public override Task WriteAsync(ParquetRowGroupWriter writer, CancellationToken cancellationToken) =>
            writer.WriteAsync<T>(Field, Values.AsMemory(0, _length), null, null, cancellationToken);
        public override Task WriteConcatAsync(IReadOnlyList<Column> parts, ParquetRowGroupWriter writer, CancellationToken cancellationToken) =>
            WritePooledAsync<T>(parts, p => ((RequiredColumn<T>)p).Values, (buffer, count) => writer.WriteAsync<T>(Field, new ReadOnlyMemory<T>(buffer, 0, count), null, null, cancellationToken));
        ValueTask ITypedReader.ReadAsync(ParquetRowGroupReader reader, CancellationToken cancellationToken) =>
            reader.ReadAsync<T>(Field, Values.AsMemory(0, _length), null, cancellationToken);
    }

    /// <summary>A column of a nullable primitive type; <see cref="Values"/> may be longer than <see cref="Length"/> when pooled.</summary>
    public sealed class OptionalColumn<T> : Column, ITypedReader where T : struct
    {
        private readonly int _length;
        private bool _pooled;

        /// <summary>A column read from a row group, in a buffer rented from the shared pool.</summary>
        public OptionalColumn(DataField field, int rows) : base(field)
        {
            Values = System.Buffers.ArrayPool<T?>.Shared.Rent(rows);
            _length = rows;
            _pooled = true;
        }

        public OptionalColumn(DataField field, T?[] values) : base(field)
        {
            Values = values;
            _length = values.Length;
        }

        public T?[] Values { get; }
        public override int Length => _length;

        public override Column Gather(ReadOnlySpan<int> rows)
        {
            var values = GatherArray(Values, rows);
            if (typeof(T) == typeof(ReadOnlyMemory<char>))
                Text.Compact(System.Runtime.CompilerServices.Unsafe.As<T?[], ReadOnlyMemory<char>?[]>(ref values));
            return new OptionalColumn<T>(Field, values);
        }

        public override void Release()
        {
            if (!_pooled)
                return;
            _pooled = false;
            System.Buffers.ArrayPool<T?>.Shared.Return(Values, System.Runtime.CompilerServices.RuntimeHelpers.IsReferenceOrContainsReferences<T>());
        }

        public override Task WriteAsync(ParquetRowGroupWriter writer, CancellationToken cancellationToken) =>
            writer.WriteAsync<T>(Field, new ReadOnlyMemory<T?>(Values, 0, _length), null, null, cancellationToken);
        public override Task WriteConcatAsync(IReadOnlyList<Column> parts, ParquetRowGroupWriter writer, CancellationToken cancellationToken) =>
            WritePooledAsync<T?>(parts, p => ((OptionalColumn<T>)p).Values, (buffer, count) => writer.WriteAsync<T>(Field, new ReadOnlyMemory<T?>(buffer, 0, count), null, null, cancellationToken));
        ValueTask ITypedReader.ReadAsync(ParquetRowGroupReader reader, CancellationToken cancellationToken) =>
            reader.ReadAsync<T>(Field, Values.AsMemory(0, _length), null, cancellationToken);
    }

    /// <summary>A UTF-8 string column; null stands for a missing value.</summary>
    public sealed class StringColumn(DataField field, string?[] values) : Column(field)
    {
        public string?[] Values { get; } = values;
        public override int Length => Values.Length;
        public override Column Gather(ReadOnlySpan<int> rows) => new StringColumn(Field, GatherArray(Values, rows));
        public override Task WriteAsync(ParquetRowGroupWriter writer, CancellationToken cancellationToken) =>
            writer.WriteAsync(Field, (IReadOnlyCollection<string>)Values!, null);
        public override Task WriteConcatAsync(IReadOnlyList<Column> parts, ParquetRowGroupWriter writer, CancellationToken cancellationToken) =>
            WritePooledAsync<string?>(parts, p => ((StringColumn)p).Values, (buffer, count) => writer.WriteAsync(Field, new ArraySegment<string>(buffer!, 0, count), null));
    }

    /// <summary>A binary column; null stands for a missing value.</summary>
    public sealed class BytesColumn(DataField field, byte[]?[] values) : Column(field)
    {
        public byte[]?[] Values { get; } = values;
        public override int Length => Values.Length;
        public override Column Gather(ReadOnlySpan<int> rows) => new BytesColumn(Field, GatherArray(Values, rows));
        public override Task WriteAsync(ParquetRowGroupWriter writer, CancellationToken cancellationToken) =>
            writer.WriteAsync(Field, (IReadOnlyCollection<byte[]>)Values!, null);
        public override Task WriteConcatAsync(IReadOnlyList<Column> parts, ParquetRowGroupWriter writer, CancellationToken cancellationToken) =>
            WritePooledAsync<byte[]?>(parts, p => ((BytesColumn)p).Values, (buffer, count) => writer.WriteAsync(Field, new ArraySegment<byte[]>(buffer!, 0, count), null));
    }

    /// <summary>
    /// Text values are slices of their row group's character buffer. A gathered subset copies
    /// its characters into one buffer of its own, so rows waiting in a partition do not keep
    /// whole input row groups alive: buffered memory follows buffered rows.
    /// </summary>
    private static class Text
    {
        public static void Compact(ReadOnlyMemory<char>[] values)
        {
            var length = 0;
            foreach (var value in values)
                length += value.Length;
            var buffer = new char[length];
            var at = 0;
            for (var i = 0; i < values.Length; i++)
                values[i] = Copy(values[i], buffer, ref at);
        }

        public static void Compact(ReadOnlyMemory<char>?[] values)
        {
            var length = 0;
            foreach (var value in values)
                length += value?.Length ?? 0;
            var buffer = new char[length];
            var at = 0;
            for (var i = 0; i < values.Length; i++)
                if (values[i] is { } value)
                    values[i] = Copy(value, buffer, ref at);
        }

        private static ReadOnlyMemory<char> Copy(ReadOnlyMemory<char> value, char[] buffer, ref int at)
        {
            value.Span.CopyTo(buffer.AsSpan(at));
            var copy = new ReadOnlyMemory<char>(buffer, at, value.Length);
            at += value.Length;
            return copy;
        }
    }
}
