using DuckDB.NET.Data;

namespace FxEngine.Benchmarks;

/// <summary>
/// Whether two partitioned outputs hold the same rows (as multisets, the partition column
/// included) and the same file schema: a change meant to be faster must leave them equal.
/// </summary>
internal static class OutputComparison
{
    public static string Describe(string a, string b)
    {
        using var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        static string Rows(string folder) => $"read_parquet('{folder}/**/*.parquet', hive_partitioning = true)";
        static string Schema(string folder) => $"SELECT name, type, logical_type FROM parquet_schema('{folder}/**/*.parquet')";
        command.CommandText = $"""
            SELECT (SELECT count(*) FROM (FROM {Rows(a)} EXCEPT ALL FROM {Rows(b)})),
                   (SELECT count(*) FROM (FROM {Rows(b)} EXCEPT ALL FROM {Rows(a)})),
                   (SELECT count(*) FROM {Rows(a)}),
                   (SELECT count(*) FROM (({Schema(a)}) EXCEPT ({Schema(b)}) UNION ALL (({Schema(b)}) EXCEPT ({Schema(a)}))))
            """;
        using var reader = command.ExecuteReader();
        reader.Read();
        return $"rows only in the first {reader.GetInt64(0)}, only in the second {reader.GetInt64(1)}, rows {reader.GetInt64(2):N0}, schema columns that differ {reader.GetInt64(3)}";
    }
}
