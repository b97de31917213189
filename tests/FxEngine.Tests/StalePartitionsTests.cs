using DuckDB.NET.Data;
using FxEngine.Plan;

namespace FxEngine.Tests;

/// <summary>
/// The folders a Spark run's dynamic overwrite leaves behind, listed by the query both Spark routes
/// run after writing. Run here in DuckDB over a classified table of days and reasons.
/// </summary>
public class StalePartitionsTests
{
    [Fact]
    public void StalePartitions_DayWithRowsForOneTableOnly_ListsTheOtherTablesFolder()
    {
        var stale = Stale(("2024-01-01", null), ("2024-01-01", "missing_rate"), ("2024-01-02", null), ("2024-01-02", null), ("2024-01-03", "missing_rate"));
        Assert.Equal(["output txn_date=2024-01-03", "rejects txn_date=2024-01-02", "rejects txn_date=__HIVE_DEFAULT_PARTITION__"], stale);
    }

    [Fact]
    public void StalePartitions_UndatedRowsAndDaysWithBoth_ListsNothing()
    {
        Assert.Empty(Stale((null, "invalid_date"), ("2024-01-01", null), ("2024-01-01", "unknown_currency")));
    }

    [Fact]
    public void StalePartitions_NoRows_ListsNothing()
    {
        Assert.Empty(Stale());
    }

    private static List<string> Stale(params (string? Day, string? Reason)[] rows)
    {
        using var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"CREATE TABLE {SqlRenderer.Classified} (fx_day DATE, reject_reason VARCHAR)";
        command.ExecuteNonQuery();
        foreach (var (day, reason) in rows)
        {
            command.CommandText = $"INSERT INTO {SqlRenderer.Classified} VALUES ({(day is null ? "NULL" : $"DATE '{day}'")}, {(reason is null ? "NULL" : $"'{reason}'")})";
            command.ExecuteNonQuery();
        }
        command.CommandText = $"SELECT fx_table || ' ' || fx_partition FROM ({SqlRenderer.StalePartitions()}) ORDER BY 1";
        using var reader = command.ExecuteReader();
        var stale = new List<string>();
        while (reader.Read())
            stale.Add(reader.GetString(0));
        return stale;
    }
}
