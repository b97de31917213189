using static FxEngine.Tests.TestData;

namespace FxEngine.Tests;

/// <summary>
/// The host's time zone changes nothing: a timestamp without a zone (DuckDB's TIMESTAMP, Spark's
/// TIMESTAMP_NTZ) is a wall-clock time, whose day is its date as written and which is written
/// back as it was; a UTC-adjusted one stands for its UTC instant.
/// </summary>
[Trait("Category", "Cli")]
public class TimeZoneScenarioTests
{
    [Theory]
    [InlineData("America/New_York")]
    [InlineData("Asia/Singapore")]
    public async Task Normalize_HostNotOnUtc_TimestampsKeepTheirDayAndValue(string zone)
    {
        // Without the zone's file the runtime would quietly use UTC, and the test would prove nothing.
        Assert.True(File.Exists($"/usr/share/zoneinfo/{zone}"), $"tzdata lacks {zone}");
        using var dir = new TempDir();
        WriteSnapshot(dir.Sub("rates"), D("2024-05-01"), ("EUR", "0.9"), ("SGD", "1.35"));
        WriteSnapshot(dir.Sub("rates"), D("2024-05-02"), ("EUR", "0.9"), ("SGD", "1.44"));
        Directory.CreateDirectory(dir.Sub("in"));
        Query($"""
            COPY (SELECT * FROM (VALUES
                (1, TIMESTAMP '2024-05-01 23:30:00', TIMESTAMP '2024-05-01 23:30:00.123456', TIMESTAMPTZ '2024-05-01 23:30:00+00', 'EUR', 90.00::DECIMAL(18,2)),
                (2, TIMESTAMP '2024-05-02 00:30:00', TIMESTAMP '2024-05-02 00:30:00.5', TIMESTAMPTZ '2024-05-02 00:30:00+00', 'EUR', 90.00::DECIMAL(18,2))
            ) AS t(txn_id, ts, created, paid_at, currency, amount)) TO '{dir.Sub("in/t.parquet")}' (FORMAT PARQUET)
            """);

        var run = await Cli.RunWithEnvironmentAsync(dir.Path, new Dictionary<string, string?> { ["TZ"] = zone },
            "normalize", "--rates", "rates", "--input", "in", "--output", "out", "--date-column", "ts");
        Assert.True(run.ExitCode == 0, run.Stderr);

        var rows = Query($"""
            SET TimeZone = 'UTC';
            SELECT txn_id, CAST(ts AS VARCHAR) AS ts, CAST(created AS VARCHAR) AS created, CAST(paid_at AS VARCHAR) AS paid_at,
                   CAST(amount_sgd AS VARCHAR) AS amount_sgd, fx_rate_date, regexp_extract(filename, 'txn_date=([0-9-]+)', 1) AS folder
            FROM read_parquet('{Glob(dir.Sub("out"))}', filename = true) ORDER BY txn_id
            """);
        Assert.Equal(2, rows.Count);
        Assert.Equal(["2024-05-01 23:30:00", "2024-05-02 00:30:00"], rows.Select(r => r["ts"]));
        Assert.Equal(["2024-05-01 23:30:00.123456", "2024-05-02 00:30:00.5"], rows.Select(r => r["created"]));
        Assert.Equal(["2024-05-01 23:30:00+00", "2024-05-02 00:30:00+00"], rows.Select(r => r["paid_at"]));
        Assert.Equal(["2024-05-01", "2024-05-02"], rows.Select(r => r["folder"]));
        Assert.Equal([D("2024-05-01"), D("2024-05-02")], rows.Select(r => r["fx_rate_date"]));
        Assert.Equal(["135.00", "144.00"], rows.Select(r => r["amount_sgd"]));
    }
}
