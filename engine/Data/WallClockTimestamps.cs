using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Parquet.Schema;

namespace FxEngine.Data;

/// <summary>
/// Parquet.Net reads a timestamp that is not adjusted to UTC (DuckDB's TIMESTAMP, Spark's
/// TIMESTAMP_NTZ, a pandas datetime without a zone) as local time. It is a wall-clock time:
/// taken as local, its day and the value written back would both move by the host's UTC offset.
/// Its values are retagged as unspecified, which the engine and Parquet.Net take as they stand.
/// </summary>
internal static class WallClockTimestamps
{
    public static void Retag<T>(DataField field, Span<T> values) where T : struct
    {
        if (typeof(T) == typeof(DateTime) && IsWallClock(field))
            foreach (ref var value in MemoryMarshal.Cast<T, DateTime>(values))
                value = DateTime.SpecifyKind(value, DateTimeKind.Unspecified);
    }

    public static void RetagOptional<T>(DataField field, Span<T?> values) where T : struct
    {
        if (typeof(T) == typeof(DateTime) && IsWallClock(field))
            foreach (ref var value in MemoryMarshal.CreateSpan(ref Unsafe.As<T?, DateTime?>(ref MemoryMarshal.GetReference(values)), values.Length))
                if (value is { } time)
                    value = DateTime.SpecifyKind(time, DateTimeKind.Unspecified);
    }

    private static bool IsWallClock(DataField field) => field is DateTimeDataField { IsAdjustedToUTC: false };
}
