using System.Globalization;
using DuckDB.NET.Data;
using FxEngine.Plan;
using FxEngine.Sinks;
using FxEngine.Sources.Transactions;
using FxEngine.Storage;
using FxEngine.Table;
using FxEngine.Transforms;

namespace FxEngine.Jobs;

/// <summary>
/// The same normalization executed by DuckDB: the plan's rate table is written as Parquet, the
/// rendered SQL classifies and converts every row, DuckDB writes the partitioned output and
/// the rejects into staging, and the same run lock and commit as the engine's publish them. Local
/// locations only (this DuckDB build has no S3 extension).
/// </summary>
public static class DuckDbNormalizeJob
{
    public static async Task<NormalizeResult> RunAsync(NormalizeOptions options, CancellationToken cancellationToken = default, Action<string>? log = null)
    {
        foreach (var (name, location) in new[] { ("--input", options.Input), ("--output", options.Output), ("--rejects", options.RejectsLocation) })
            if (ObjectStore.IsS3(location))
                throw new FxException($"{name} {location}: the DuckDB executor works on local folders; use the engine executor for S3");

        await using var run = await NormalizeRun.StartAsync(options, log, cancellationToken).ConfigureAwait(false);
        var (output, rejects, rates, runId) = (run.Outputs.Output, run.Outputs.Rejects, run.Rates, run.Id);
        LocalSpool.SweepDead("duckdb");
        var work = ObjectStore.Open(LocalSpool.NewPath("duckdb"));
        try
        {
            await RateTableWriter.WriteAsync(rates, work, "rates.parquet", cancellationToken).ConfigureAwait(false);
            var (input, only) = NormalizeJob.OpenInput(options.Input);
            var inputs = await InputDiscovery.ListFilesAsync(input, only, cancellationToken).ConfigureAwait(false);
            // One statement over every input: this executor always recomputes the whole table.
            await run.PlanAsync(input, inputs, cancellationToken, full: true).ConfigureAwait(false);
            var units = await InputDiscovery.UnitsAsync(input, inputs, inputs, cancellationToken).ConfigureAwait(false);
            if (units.FirstOrDefault(u => u.Format != InputFormat.Parquet) is { } csv)
                throw new FxException($"{input.Describe(csv.Key)}: the DuckDB executor reads Parquet only; use the engine executor for CSV input");
            var plan = await PlanBuilder.BuildAsync((options.Input, options.Output, options.RejectsLocation), options.Columns, rates, work.Describe("rates.parquet"),
                cancellationToken, units).ConfigureAwait(false);
            var files = units.Select(u => input.Describe(u.Key)).Distinct().ToList();

            using var connection = new DuckDBConnection("Data Source=:memory:");
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            // A stop (SIGTERM, Ctrl-C) interrupts the statement running, which otherwise holds the
            // run until it ends: minutes for a large input.
            using var interrupter = new Interrupter(connection, cancellationToken);
            // Timestamps become dates in UTC, as in the engine and the Spark job.
            Execute(connection, "SET TimeZone = 'UTC'", cancellationToken);
            Execute(connection, $"CREATE VIEW transactions AS {TransactionsView(plan, $"[{string.Join(", ", files.Select(file => SqlRenderer.Literal(SqlDialect.DuckDb, file)))}]")}", cancellationToken);
            Execute(connection, $"CREATE VIEW fx_rates AS SELECT * FROM read_parquet({SqlRenderer.Literal(SqlDialect.DuckDb, plan.RateTable)})", cancellationToken);
            Execute(connection, $"CREATE TEMP TABLE {SqlRenderer.Classified} AS\n{SqlRenderer.Classify(plan, SqlDialect.DuckDb)}", cancellationToken);

            var stats = Stats(connection, plan);
            // Both partitioned by day, the partition column in the folder names only; DuckDB names
            // a null day's folder txn_date=__HIVE_DEFAULT_PARTITION__, as the engine does.
            foreach (var (committer, rows, query) in new[] { (output, stats.RowsOut, SqlRenderer.Output(plan, SqlDialect.DuckDb)), (rejects, stats.RowsRejected, SqlRenderer.Rejects(plan, SqlDialect.DuckDb)) })
            {
                if (rows == 0)
                    continue;
                // DuckDB creates the last folder of a COPY target, not its parents.
                var target = committer.Store.Describe(committer.StagingPrefix);
                Directory.CreateDirectory(Path.GetDirectoryName(target.TrimEnd('/'))!);
                Execute(connection, $"COPY ({query}) TO {SqlRenderer.Literal(SqlDialect.DuckDb, target)} " +
                    $"(FORMAT parquet, COMPRESSION snappy, PARTITION_BY ({OutputSchema.PartitionColumn}), WRITE_PARTITION_COLUMNS false, FILENAME_PATTERN 'part-{runId}-{{i}}')", cancellationToken);
            }

            var filesWritten = 0;
            foreach (var committer in new[] { output, rejects })
                filesWritten += (await committer.StagedAsync(cancellationToken).ConfigureAwait(false)).Count;
            return await run.CommitAsync(stats, filesWritten, Counts(connection)).ConfigureAwait(false);
        }
        catch (DuckDBException ex) when (cancellationToken.IsCancellationRequested)
        {
            // The interrupt of a stop: one that lands while DuckDB plans a statement fails it as an error.
            throw new OperationCanceledException("the DuckDB executor was stopped", ex, cancellationToken);
        }
        catch (DuckDBException ex)
        {
            throw new FxException($"DuckDB executor: {ex.Message}", ex);
        }
        finally
        {
            if (Directory.Exists(work.Root))
                Directory.Delete(work.Root, recursive: true);
        }
    }

    /// <summary>
    /// The input files read by column name into the plan's merged schema: a column a file lacks is
    /// null, and decimals are cast to the merged type explicitly rather than to union_by_name's choice.
    /// </summary>
    internal static string TransactionsView(NormalizationPlan plan, string files)
    {
        var casts = plan.InputColumns.Where(c => c.Kind == "decimal")
            .Select(c => $"CAST({SqlRenderer.Quote(SqlDialect.DuckDb, c.Name)} AS DECIMAL({c.Precision},{c.Scale})) AS {SqlRenderer.Quote(SqlDialect.DuckDb, c.Name)}")
            .ToList();
        var replace = casts.Count == 0 ? "" : $" REPLACE ({string.Join(", ", casts)})";
        return $"SELECT *{replace} FROM read_parquet({files}, hive_partitioning = false, union_by_name = true)";
    }

    private static NormalizeStats Stats(DuckDBConnection connection, NormalizationPlan plan)
    {
        var stats = new NormalizeStats();
        stats.CountIn(checked((int)Scalar(connection, $"SELECT count(*) FROM {SqlRenderer.Classified}")));
        foreach (var (reason, rows) in Rows(connection, $"SELECT {OutputSchema.ReasonColumn}, count(*) FROM {SqlRenderer.Classified} WHERE {OutputSchema.ReasonColumn} IS NOT NULL GROUP BY 1"))
            stats.CountReject((string)reason!, Convert.ToInt64(rows, CultureInfo.InvariantCulture));
        stats.CountStale(Scalar(connection, $"SELECT count(*) FROM {SqlRenderer.Classified} WHERE {OutputSchema.ReasonColumn} IS NULL AND fx_rate_date_ <> fx_day"));
        var (firstRate, lastRate) = Rows(connection, $"SELECT strftime(min(fx_rate_date_), '%Y-%m-%d'), strftime(max(fx_rate_date_), '%Y-%m-%d') FROM {SqlRenderer.Classified} WHERE {OutputSchema.ReasonColumn} IS NULL").Single();
        if (firstRate is string first && lastRate is string last)
            stats.CountRateDates(DateOnly.ParseExact(first, "yyyy-MM-dd", CultureInfo.InvariantCulture), DateOnly.ParseExact(last, "yyyy-MM-dd", CultureInfo.InvariantCulture));

        var amount = SqlRenderer.Quote(SqlDialect.DuckDb, plan.Columns.Amount);
        var scale = (decimal)Math.Pow(10, plan.TargetScale);
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT fx_code, count(*), sum(CAST({amount} AS DECIMAL(38,{plan.InputColumns.Single(c => c.Name == plan.Columns.Amount).Scale}))), CAST(sum(fx_minor) AS VARCHAR) " +
            $"FROM {SqlRenderer.Classified} WHERE {OutputSchema.ReasonColumn} IS NULL GROUP BY 1";
        using var reader = command.ExecuteReader();
        while (reader.Read())
            stats.CountOut(reader.GetString(0), reader.GetInt64(1), reader.GetDecimal(2),
                decimal.Parse(reader.GetString(3), CultureInfo.InvariantCulture) / scale);
        return stats;
    }

    /// <summary>Rows per partition by outcome, for the table state.</summary>
    private static PartitionCounts Counts(DuckDBConnection connection)
    {
        var counts = new PartitionCounts();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT fx_day, count(*) FILTER (WHERE {OutputSchema.ReasonColumn} IS NULL), " +
            $"count(*) FILTER (WHERE {OutputSchema.ReasonColumn} IS NULL AND fx_rate_date_ <> fx_day), count(*) FILTER (WHERE {OutputSchema.ReasonColumn} IS NOT NULL) " +
            $"FROM {SqlRenderer.Classified} GROUP BY 1";
        using var reader = command.ExecuteReader();
        while (reader.Read())
            counts.Add(reader.IsDBNull(0) ? TableState.Undated : TableState.PartitionOf(DateOnly.FromDateTime(reader.GetDateTime(0))),
                reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
        return counts;
    }

    /// <summary>
    /// Once a stop is asked, interrupts the connection's statement, and again every 100 ms until
    /// disposed: DuckDB clears an interrupt as a statement starts, so a single one sent just before
    /// a statement began would be lost, and that statement would run to its end.
    /// </summary>
    private sealed class Interrupter : IDisposable
    {
        private static readonly TimeSpan Again = TimeSpan.FromMilliseconds(100);
        private readonly DuckDBCommand _command;
        private readonly CancellationTokenRegistration _registration;
        private readonly Lock _gate = new();
        private Timer? _timer;
        private bool _disposed;

        public Interrupter(DuckDBConnection connection, CancellationToken stop)
        {
            _command = connection.CreateCommand();
            _registration = stop.Register(Start);
        }

        private void Start()
        {
            lock (_gate)
                if (!_disposed)
                    _timer = new Timer(_ => Send(), null, TimeSpan.Zero, Again);
        }

        private void Send()
        {
            lock (_gate)
                if (!_disposed)
                    _command.Cancel(); // the connection's interrupt: whatever statement runs now
        }

        public void Dispose()
        {
            _registration.Dispose();
            lock (_gate)
            {
                _disposed = true;
                _timer?.Dispose();
            }
            _command.Dispose();
        }
    }

    private static void Execute(DuckDBConnection connection, string sql, CancellationToken cancellationToken)
    {
        // A stop between two statements is seen here; one during a statement interrupts it (Interrupter).
        cancellationToken.ThrowIfCancellationRequested();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
        cancellationToken.ThrowIfCancellationRequested();
    }

    private static long Scalar(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    private static List<(object? First, object? Second)> Rows(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<(object?, object?)>();
        while (reader.Read())
            rows.Add((reader.GetValue(0), reader.GetValue(1)));
        return rows;
    }
}
