using FxEngine.Data;
using Parquet.Schema;

namespace FxEngine.Sources.Transactions;

/// <summary>
/// One schema for Parquet files read together, by column name, as Spark's mergeSchema and
/// DuckDB's union_by_name read them: columns in order of first appearance, a column some file
/// lacks is nullable (null in that file's rows), and decimals widen to hold both (the larger
/// scale and the larger number of integer digits). Any other difference of type is an error
/// naming both files and the column: a value is never reinterpreted.
/// </summary>
internal static class InputSchema
{
    public static IReadOnlyList<DataField> Merge(IReadOnlyList<(string File, IReadOnlyList<DataField> Fields)> files)
    {
        var merged = new List<(DataField Field, string File)>();
        foreach (var (file, fields) in files)
        {
            foreach (var field in fields)
            {
                var at = merged.FindIndex(m => m.Field.Name == field.Name);
                if (at < 0)
                    merged.Add((files[0].File == file ? field : Nullable(field), file));
                else
                    merged[at] = (Widen(merged[at].Field, merged[at].File, field, file), merged[at].File);
            }
            // A column this file lacks is null in its rows.
            for (var i = 0; i < merged.Count; i++)
                if (!fields.Any(f => f.Name == merged[i].Field.Name))
                    merged[i] = (Nullable(merged[i].Field), merged[i].File);
        }
        return merged.Select(m => m.Field).ToList();
    }

    /// <summary>A batch read with its file's schema, as the merged schema: missing columns null, types widened.</summary>
    public static ColumnBatch Conform(ColumnBatch batch, IReadOnlyList<DataField> schema)
    {
        var columns = new List<Column>(schema.Count);
        foreach (var field in schema)
        {
            var column = batch.Find(field.Name);
            if (column is null)
                columns.Add(Nulls(field, batch.RowCount));
            else if (Same(column.Field, field))
                columns.Add(column);
            else
            {
                columns.Add(Retyped(column, field));
                column.ReturnBuffers(); // copied: its pooled buffer can go back now
            }
        }
        // The new batch owns the columns it kept; the old one is dropped without a dispose.
        return new ColumnBatch(batch.Origin, columns, batch.Untyped);
    }

    private static DataField Widen(DataField first, string firstFile, DataField next, string nextFile)
    {
        if (first is DecimalDataField a && next is DecimalDataField b)
        {
            var scale = Math.Max(a.Scale, b.Scale);
            var precision = Math.Max(a.Precision - a.Scale, b.Precision - b.Scale) + scale;
            if (precision > 38)
                throw Incompatible(first, firstFile, next, nextFile, $"together they need DECIMAL({precision},{scale}), wider than DECIMAL(38)");
            return precision == a.Precision && scale == a.Scale && (a.IsNullable || !b.IsNullable)
                ? first
                : new DecimalDataField(first.Name, precision, scale, isNullable: a.IsNullable || b.IsNullable);
        }
        if (first.ClrType != next.ClrType || first.IsArray != next.IsArray || first.GetType() != next.GetType()
            || (first is DateTimeDataField x && next is DateTimeDataField y && (x.DateTimeFormat != y.DateTimeFormat || x.IsAdjustedToUTC != y.IsAdjustedToUTC)))
            throw Incompatible(first, firstFile, next, nextFile, "files read together must agree on each column's type (only a wider decimal or an added column may differ)");
        return next.IsNullable ? Nullable(first) : first;
    }

    private static FxException Incompatible(DataField first, string firstFile, DataField next, string nextFile, string why) =>
        new($"column '{first.Name}' is {Column.SqlType(first)} in {firstFile} but {Column.SqlType(next)} in {nextFile}: {why}");

    private static DataField Nullable(DataField field) => field.IsNullable ? field : field switch
    {
        DecimalDataField d => new DecimalDataField(d.Name, d.Precision, d.Scale, isNullable: true),
        DateTimeDataField t => new DateTimeDataField(t.Name, t.DateTimeFormat, t.IsAdjustedToUTC, t.Unit, isNullable: true),
        _ => new DataField(field.Name, field.ClrType, isNullable: true, isArray: field.IsArray),
    };

    private static bool Same(DataField read, DataField merged) =>
        read.IsNullable == merged.IsNullable
        && (read is not DecimalDataField a || merged is not DecimalDataField b || (a.Precision == b.Precision && a.Scale == b.Scale));

    /// <summary>A column of only nulls, of the merged field's type.</summary>
    private static Column Nulls(DataField field, int rows) => field.ClrType switch
    {
        var t when Column.IsText(t) => TextColumn.AllNull(field, rows),
        var t when t == typeof(decimal) => new OptionalColumn<decimal>(field, new decimal?[rows]),
        var t when t == typeof(DateOnly) => new OptionalColumn<DateOnly>(field, new DateOnly?[rows]),
        var t when t == typeof(DateTime) => new OptionalColumn<DateTime>(field, new DateTime?[rows]),
        var t when t == typeof(int) => new OptionalColumn<int>(field, new int?[rows]),
        var t when t == typeof(long) => new OptionalColumn<long>(field, new long?[rows]),
        var t when t == typeof(short) => new OptionalColumn<short>(field, new short?[rows]),
        var t when t == typeof(double) => new OptionalColumn<double>(field, new double?[rows]),
        var t when t == typeof(float) => new OptionalColumn<float>(field, new float?[rows]),
        var t when t == typeof(bool) => new OptionalColumn<bool>(field, new bool?[rows]),
        _ => throw new FxException($"column '{field.Name}' ({Column.SqlType(field)}) is missing from some input files, and that type cannot be filled with nulls"),
    };

    /// <summary>The same values under the merged field: a decimal's wider type, or nullable where the file's column was required.</summary>
    private static Column Retyped(Column column, DataField field) => column switch
    {
        StringColumn c => new StringColumn(field, c.Values.ToArray()),
        TextColumn c => c.CopyAs(field),
        RequiredColumn<decimal> c => Retyped(c, field),
        OptionalColumn<decimal> c => new OptionalColumn<decimal>(field, c.Values.ToArray()),
        RequiredColumn<DateOnly> c => Retyped(c, field),
        OptionalColumn<DateOnly> c => new OptionalColumn<DateOnly>(field, c.Values.ToArray()),
        RequiredColumn<DateTime> c => Retyped(c, field),
        OptionalColumn<DateTime> c => new OptionalColumn<DateTime>(field, c.Values.ToArray()),
        RequiredColumn<int> c => Retyped(c, field),
        OptionalColumn<int> c => new OptionalColumn<int>(field, c.Values.ToArray()),
        RequiredColumn<long> c => Retyped(c, field),
        OptionalColumn<long> c => new OptionalColumn<long>(field, c.Values.ToArray()),
        RequiredColumn<double> c => Retyped(c, field),
        OptionalColumn<double> c => new OptionalColumn<double>(field, c.Values.ToArray()),
        _ => throw new InvalidOperationException($"column '{column.Field.Name}' cannot take the type {Column.SqlType(field)}"),
    };

    /// <summary>Copies of exactly Length values: the read column's pooled buffer goes back with it.</summary>
    private static Column Retyped<T>(RequiredColumn<T> column, DataField field) where T : struct
    {
        if (!field.IsNullable)
            return new RequiredColumn<T>(field, column.Values.ToArray());
        var values = new T?[column.Length];
        for (var i = 0; i < values.Length; i++)
            values[i] = column.Values[i];
        return new OptionalColumn<T>(field, values);
    }
}
