using System.Text.Json;
using DuckDB.NET.Data;
using FxEngine.Jobs;
using FxEngine.Plan;
using FxEngine.Sources.Transactions;
using static FxEngine.Tests.TestData;

namespace FxEngine.Tests;

/// <summary>`fxengine emr plan`: every file written, valid JSON with the right paths, and SQL DuckDB runs to the engine's result.</summary>
[Trait("Category", "Cli")]
public class EmrPlanScenarioTests
{
    [Fact]
    public async Task EmrPlan_LocalLake_WritesRunnableSubmission()
    {
        using var dir = new TempDir();
        await TransactionGenerator.WriteAsync(new GenerateOptions { Rows = 5_000, Output = dir.Sub("raw"), From = D("2024-03-01"), To = D("2024-03-10") });
        WriteSyntheticRates(dir.Sub("rates"), D("2024-03-01"), D("2024-03-10"));

        var result = await Cli.RunAsync(dir.Path, "emr", "plan", "--rates", "rates", "--input", dir.Sub("raw"), "--output", "s3://fx-lake/processed_data/",
            "--staging", dir.Sub("jobs/run1"));
        Assert.True(result.ExitCode == 0, result.Stderr);
        var written = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(7, written.Length); // rate table, plan, two SQL scripts, two step files, bootstrap
        Assert.All(written, path => Assert.True(File.Exists(path), path));

        // The plan: the .NET job's settings.
        var plan = NormalizationPlan.FromJson(File.ReadAllText(dir.Sub("jobs/run1/plan.json")));
        Assert.Equal("SGD", plan.Target);
        Assert.Equal("s3://fx-lake/processed_data/", plan.Output);
        Assert.Equal("s3://fx-lake/processed_data_rejects", plan.Rejects);
        Assert.Equal(dir.Sub("jobs/run1/rates.parquet"), plan.RateTable);
        Assert.Equal(["txn_id", "txn_date", "currency", "amount", "merchant", "channel"], plan.InputColumns.Select(c => c.Name));

        // Steps: the JSON aws emr add-steps takes, pointing at the staged files.
        using var dotnet = JsonDocument.Parse(File.ReadAllText(dir.Sub("jobs/run1/steps-dotnet.json")));
        var step = dotnet.RootElement.EnumerateArray().Single();
        Assert.Equal("command-runner.jar", step.GetProperty("Jar").GetString());
        var args = step.GetProperty("Args").EnumerateArray().Select(a => a.GetString()).ToList();
        Assert.Contains("org.apache.spark.deploy.dotnet.DotnetRunner", args);
        Assert.Contains(dir.Sub("jobs/run1/microsoft-spark-3-5_2.12-2.3.1.jar"), args);
        Assert.Equal(dir.Sub("jobs/run1/plan.json"), args[^1]);
        using var sparkSql = JsonDocument.Parse(File.ReadAllText(dir.Sub("jobs/run1/steps-spark-sql.json")));
        Assert.Contains("spark-sql -S -f", sparkSql.RootElement[0].GetProperty("Args")[2].GetString());

        // Spark SQL: the broadcast hint, dynamic partition overwrite of output and rejects, both
        // partitioned by txn_date (the SELECTs' last column), the fixed fx_rate type, input merged by name.
        var spark = File.ReadAllText(dir.Sub("jobs/run1/normalize.sql"));
        Assert.Contains("/*+ BROADCAST(r) */", spark);
        Assert.Contains("SET spark.sql.sources.partitionOverwriteMode=dynamic;", spark);
        Assert.DoesNotContain("partitionOverwriteMode=static", spark);
        Assert.Contains("mergeSchema 'true'", spark);
        Assert.Contains("INSERT OVERWRITE TABLE fxengine_processed_sgd PARTITION (`txn_date`)\n", spark);
        Assert.Contains("INSERT OVERWRITE TABLE fxengine_rejected_sgd PARTITION (`txn_date`)\n", spark);
        Assert.Contains("PARTITIONED BY (`txn_date`) LOCATION 's3://fx-lake/processed_data/'", spark);
        Assert.Contains("PARTITIONED BY (`txn_date`) LOCATION 's3://fx-lake/processed_data_rejects'", spark);
        Assert.Contains("`fx_currency` STRING, `amount_sgd` DECIMAL(18,2), `fx_rate` DECIMAL(38,18), `fx_rate_date` DATE, `fx_status` STRING, `txn_date` DATE)", spark);
        Assert.Contains("`reject_reason` STRING, `reject_detail` STRING, `txn_date` DATE)", spark);
        // txn_date is the partition column only: declared once per table (last) and named in PARTITIONED BY.
        foreach (var table in new[] { "fxengine_processed_sgd", "fxengine_rejected_sgd" })
            Assert.Equal(2, spark.Split($"CREATE TABLE {table}")[1].Split(";")[0].Split("`txn_date`").Length - 1);
        foreach (var insert in spark.Split("INSERT OVERWRITE").Skip(1))
            Assert.EndsWith("fx_day AS `txn_date`", insert.Split("\nFROM ")[0]);
        Assert.StartsWith("#!/bin/bash", File.ReadAllText(dir.Sub("jobs/run1/bootstrap-dotnet.sh")));

        // The DuckDB rendering of the same plan runs and matches the engine's counts.
        var engine = await NormalizeJob.RunAsync(new NormalizeOptions { Rates = dir.Sub("rates"), Input = dir.Sub("raw"), Output = dir.Sub("engine") });
        using var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        foreach (var statement in File.ReadAllText(dir.Sub("jobs/run1/normalize.duckdb.sql")).Split(";\n", StringSplitOptions.RemoveEmptyEntries))
        {
            using var command = connection.CreateCommand();
            command.CommandText = statement;
            command.ExecuteNonQuery();
        }
        long Count(string table)
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT count(*) FROM {table}";
            return Convert.ToInt64(command.ExecuteScalar());
        }
        Assert.Equal(engine.Stats.RowsOut, Count("fx_output"));
        Assert.Equal(engine.Stats.RowsRejected, Count("fx_rejects"));
    }
}
