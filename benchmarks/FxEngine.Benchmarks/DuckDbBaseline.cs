using DuckDB.NET.Data;

namespace FxEngine.Benchmarks;

/// <summary>
/// DuckDB doing the engine's job in its strongest formulation: the rate table forward-filled
/// per calendar day with the as-of rule (a tiny table: days x currencies), then one streaming
/// hash join on (day, code) inside a partitioned COPY, with no intermediate table of
/// transactions. It keeps no rejects and rounds a decimal product rather than the exact rational,
/// so its job is, if anything, lighter than the engine's.
/// </summary>
internal static class DuckDbBaseline
{
    public const int MaxStaleDays = 7;

    /// <summary>Normalizes <paramref name="input"/>'s Parquet into <paramref name="output"/> (replaced); returns the rows written.</summary>
    public static long Run(string rates, string input, string output, string target = "SGD")
    {
        if (Directory.Exists(output))
            Directory.Delete(output, recursive: true);
        using var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        Execute(connection, $$"""
            CREATE TEMP TABLE snapshots AS
              SELECT CAST(regexp_extract(filename, '([0-9]{4}-[0-9]{2}-[0-9]{2})\.json$', 1) AS DATE) AS rate_date,
                     unnest(map_keys(rates)) AS code, unnest(map_values(rates)) AS rate
              FROM read_json('{{rates}}/*.json', columns = {rates: 'MAP(VARCHAR, DECIMAL(38,18))'}, filename = true);
            CREATE TEMP TABLE fx AS
              WITH quotes AS (
                SELECT s.rate_date, s.code, CAST(t.rate / s.rate AS DECIMAL(38,18)) AS fx_rate
                FROM snapshots s JOIN snapshots t ON t.rate_date = s.rate_date AND t.code = '{{target}}'),
              days AS (
                SELECT CAST(unnest(generate_series(min(rate_date), max(rate_date) + INTERVAL {{MaxStaleDays}} DAY, INTERVAL 1 DAY)) AS DATE) AS day
                FROM snapshots)
              SELECT d.day, q.code, arg_max(q.fx_rate, q.rate_date) AS fx_rate, max(q.rate_date) AS rate_date
              FROM days d JOIN quotes q ON q.rate_date BETWEEN d.day - {{MaxStaleDays}} AND d.day
              GROUP BY d.day, q.code;
            """);
        using var command = connection.CreateCommand();
        command.CommandText = $$"""
            COPY (
              SELECT t.*, upper(trim(t.currency)) AS fx_currency,
                     CAST(round(t.amount * r.fx_rate, 2) AS DECIMAL(18,2)) AS amount_{{target.ToLowerInvariant()}},
                     r.fx_rate, r.rate_date AS fx_rate_date,
                     CASE WHEN r.rate_date = t.txn_date THEN 'exact' ELSE 'stale' END AS fx_status
              FROM read_parquet('{{input}}/*.parquet') t
              JOIN fx r ON r.day = t.txn_date AND r.code = upper(trim(t.currency))
            ) TO '{{output}}' (FORMAT parquet, COMPRESSION snappy, PARTITION_BY (txn_date));
            """;
        return command.ExecuteNonQuery();
    }

    private static void Execute(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
