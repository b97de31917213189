namespace FxEngine.Data;

/// <summary>
/// The primitive types the engine reads from Parquet besides text (numbers, dates, times, bools,
/// UUIDs), one list, and generic code run with whichever a field has: reading a column, filling
/// one with nulls, copying one under another field.
/// </summary>
internal static class PrimitiveTypes
{
    /// <summary>Code generic in the column's value type.</summary>
    public interface IWith<out TResult>
    {
        TResult Make<T>() where T : struct;
    }

    /// <summary><paramref name="with"/> run with the type <paramref name="type"/>; <paramref name="otherwise"/> for a type not in the list.</summary>
    public static TResult With<TResult, TWith>(Type type, TWith with, Func<TResult> otherwise) where TWith : IWith<TResult> => type switch
    {
        _ when type == typeof(bool) => with.Make<bool>(),
        _ when type == typeof(sbyte) => with.Make<sbyte>(),
        _ when type == typeof(byte) => with.Make<byte>(),
        _ when type == typeof(short) => with.Make<short>(),
        _ when type == typeof(ushort) => with.Make<ushort>(),
        _ when type == typeof(int) => with.Make<int>(),
        _ when type == typeof(uint) => with.Make<uint>(),
        _ when type == typeof(long) => with.Make<long>(),
        _ when type == typeof(ulong) => with.Make<ulong>(),
        _ when type == typeof(float) => with.Make<float>(),
        _ when type == typeof(double) => with.Make<double>(),
        _ when type == typeof(decimal) => with.Make<decimal>(),
        _ when type == typeof(DateOnly) => with.Make<DateOnly>(),
        _ when type == typeof(DateTime) => with.Make<DateTime>(),
        _ when type == typeof(TimeOnly) => with.Make<TimeOnly>(),
        _ when type == typeof(TimeSpan) => with.Make<TimeSpan>(),
        _ when type == typeof(Guid) => with.Make<Guid>(),
        _ => otherwise(),
    };
}
