using Parquet.Schema;

namespace FxEngine.Data;

/// <summary>
/// Fields equal as a Parquet file stores them: name, .NET type, nullability, list-ness, a
/// decimal's precision and scale, and a timestamp's format, unit and UTC adjustment. Parquet.Net's own equality looks at less (a DECIMAL(18,4) and a
/// DECIMAL(38,9) of one name compare equal), which is not enough to put two batches in one file.
/// </summary>
internal sealed class FieldComparer : IEqualityComparer<DataField>
{
    public static readonly FieldComparer Instance = new();

    public bool Equals(DataField? x, DataField? y) =>
        ReferenceEquals(x, y) || (x is not null && y is not null
            && x.Name == y.Name && x.ClrType == y.ClrType && x.IsNullable == y.IsNullable && x.IsArray == y.IsArray
            && (x, y) switch
            {
                (DecimalDataField a, DecimalDataField b) => a.Precision == b.Precision && a.Scale == b.Scale,
                (DecimalDataField, _) or (_, DecimalDataField) => false,
                (DateTimeDataField a, DateTimeDataField b) => a.DateTimeFormat == b.DateTimeFormat && a.IsAdjustedToUTC == b.IsAdjustedToUTC && a.Unit == b.Unit,
                (DateTimeDataField, _) or (_, DateTimeDataField) => false,
                _ => true,
            });

    public int GetHashCode(DataField field) => HashCode.Combine(field.Name, field.ClrType);
}
