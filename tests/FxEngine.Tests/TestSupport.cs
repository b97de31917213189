using System.Data.Common;
using System.Globalization;
using System.Text;
using DuckDB.NET.Data;
using FxEngine.Data;
using FxEngine.Storage;
using Parquet;
using Parquet.Schema;

namespace FxEngine.Tests;

/// <summary>A folder that disappears with the test.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "fxengine-tests", Guid.NewGuid().ToString("N"));

    public string Sub(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}

/// <summary>Progress that blocks a run's reporting worker until <paramref name="until"/> completes: holds the run inside its read, lock taken.</summary>
internal sealed class HoldUntil(Task until) : IProgress<FxEngine.Jobs.NormalizeProgress>
{
    public void Report(FxEngine.Jobs.NormalizeProgress value) => until.Wait();
}

internal static class TestData
{
    /// <summary>Every key under <paramref name="prefix"/> of a store (a lake on s3rver, a local folder).</summary>
    public static async Task<List<string>> KeysAsync(IObjectStore store, string prefix = "")
    {
        var keys = new List<string>();
        await foreach (var info in store.ListAsync(prefix))
            keys.Add(info.Key);
        return keys;
    }

    /// <summary>An OXR-shaped snapshot body with the given rates (USD base).</summary>
    public static string SnapshotJson(DateOnly date, params (string Code, string Rate)[] rates)
    {
        var timestamp = new DateTimeOffset(date.ToDateTime(new TimeOnly(23, 0)), TimeSpan.Zero).ToUnixTimeSeconds();
        var body = string.Join(",", rates.Select(r => $"\"{r.Code}\": {r.Rate}"));
        return $"{{\"disclaimer\":\"test\",\"license\":\"test\",\"timestamp\":{timestamp},\"base\":\"USD\",\"rates\":{{{body}}}}}";
    }

    public static void WriteSnapshot(string folder, DateOnly date, params (string Code, string Rate)[] rates)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, $"{date:yyyy-MM-dd}.json"), SnapshotJson(date, rates));
    }

    /// <summary>Synthetic snapshots for every day of a range as <c>YYYY-MM-DD.json</c> files, except the days <paramref name="skip"/> picks.</summary>
    public static void WriteSyntheticRates(string folder, DateOnly from, DateOnly to, Func<DateOnly, bool>? skip = null)
    {
        Directory.CreateDirectory(folder);
        for (var day = from; day <= to; day = day.AddDays(1))
            if (skip?.Invoke(day) != true)
                File.WriteAllBytes(Path.Combine(folder, $"{day:yyyy-MM-dd}.json"), FxEngine.Sources.Rates.SyntheticRatesSource.Render(day));
    }

    /// <summary>Writes columns as one Parquet file with one row group per <paramref name="rowGroupRows"/>.</summary>
    public static async Task WriteParquetAsync(string path, IReadOnlyList<Column> columns, int rowGroupRows = int.MaxValue)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var schema = new ParquetSchema(columns.Select(c => c.Field).ToArray());
        await using var stream = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(schema, stream);
        var rows = columns[0].Length;
        for (var start = 0; start < rows; start += rowGroupRows)
        {
            var slice = Enumerable.Range(start, Math.Min(rowGroupRows, rows - start)).ToArray();
            using var group = writer.CreateRowGroup();
            foreach (var column in columns)
                await column.Gather(slice).WriteAsync(group, CancellationToken.None);
            group.CompleteValidate();
        }
    }

    public static Column Strings(string name, params string?[] values) => new StringColumn(new DataField<string>(name, nullable: true), values);
    public static Column Dates(string name, params DateOnly[] values) => new RequiredColumn<DateOnly>(new DataField<DateOnly>(name, nullable: false), values);
    public static Column Amounts(string name, params decimal?[] values) => new OptionalColumn<decimal>(new DecimalDataField(name, 18, 4, isNullable: true), values);

    public static DateOnly D(string text) => DateOnly.ParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>Runs a query in DuckDB, the independent reader of our Parquet output.</summary>
    public static List<Dictionary<string, object?>> Query(string sql)
    {
        using var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using DbDataReader reader = command.ExecuteReader();
        var rows = new List<Dictionary<string, object?>>();
        while (reader.Read())
        {
            var row = new Dictionary<string, object?>();
            for (var i = 0; i < reader.FieldCount; i++)
                row[reader.GetName(i)] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            rows.Add(row);
        }
        return rows;
    }

    public static string Glob(string folder) => Path.Combine(folder, "**", "*.parquet").Replace('\\', '/');

    /// <summary>Every Parquet file under a folder and its row groups' row counts, in file order (read by DuckDB).</summary>
    public static Dictionary<string, List<long>> RowGroups(string folder) =>
        Query($"SELECT file_name, row_group_id, any_value(row_group_num_rows) AS n FROM parquet_metadata('{Glob(folder)}') GROUP BY ALL ORDER BY file_name, row_group_id")
            .GroupBy(r => (string)r["file_name"]!)
            .ToDictionary(g => g.Key, g => g.Select(r => Convert.ToInt64(r["n"], CultureInfo.InvariantCulture)).ToList());

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
