using DuckDB.NET.Data;
using FxEngine.Jobs;
using FxEngine.Plan;
using FxEngine.Sources.Transactions;
using static FxEngine.Tests.TestData;

namespace FxEngine.Tests;

/// <summary>
/// `fxengine emr plan` over locations holding a quote, a backslash, spaces and non-ASCII
/// characters: Spark's script names them with Spark's escapes, and DuckDB's script runs.
/// </summary>
[Trait("Category", "Cli")]
public class EmrPlanOddPathsScenarioTests
{
    [Fact]
    public async Task EmrPlan_PathsWithQuoteBackslashSpaceNonAscii_BothScriptsNameTheExactLocations()
    {
        using var dir = new TempDir();
        // DuckDB's glob takes a backslash for a separator: the input folder, which its script
        // globs, has none; the staging folder (the rate table) and the output have one.
        var lake = dir.Sub("o'brien d\u00e9p\u00f4t \u6570\u636e");
        var staging = Path.Combine(lake, "jobs \\ 2024");
        await TransactionGenerator.WriteAsync(new GenerateOptions { Rows = 3_000, Output = Path.Combine(lake, "raw"), From = D("2024-03-01"), To = D("2024-03-05") });
        WriteSyntheticRates(Path.Combine(lake, "rates"), D("2024-03-01"), D("2024-03-05"));
        const string output = "s3://fx-lake/it's \\ \u00fcber ${x}/processed/";

        var result = await Cli.RunAsync(dir.Path, "emr", "plan", "--rates", Path.Combine(lake, "rates"), "--input", Path.Combine(lake, "raw"),
            "--output", output, "--staging", staging, "--target", "KWD");
        Assert.True(result.ExitCode == 0, result.Stderr);
        var plan = NormalizationPlan.FromJson(File.ReadAllText(Path.Combine(staging, "plan.json")));
        Assert.Equal(output, plan.Output);

        // Spark: every location is one literal that Spark's unescaping turns back into it, in an
        // ASCII script.
        var spark = File.ReadAllText(Path.Combine(staging, "normalize.sql"));
        Assert.True(spark.All(char.IsAscii), "normalize.sql is not ASCII");
        Assert.DoesNotContain("${", spark); // Spark would substitute it before parsing
        var literals = SparkSql.Literals(spark).Select(SparkSql.Unescape).ToList();
        Assert.All(new[] { plan.Input, plan.RateTable, plan.Output, plan.Rejects }, location => Assert.Contains(location, literals));

        // DuckDB runs its script over the same locations, to the engine's counts.
        var engine = await NormalizeJob.RunAsync(new NormalizeOptions { Rates = Path.Combine(lake, "rates"), Input = Path.Combine(lake, "raw"), Output = dir.Sub("engine"), Target = "KWD" });
        using var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        foreach (var statement in File.ReadAllText(Path.Combine(staging, "normalize.duckdb.sql")).Split(";\n", StringSplitOptions.RemoveEmptyEntries))
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
        Assert.Equal(engine.Stats.RowsIn, Count("transactions"));
        Assert.Equal(engine.Stats.RowsOut, Count("fx_output"));
        Assert.Equal(engine.Stats.RowsRejected, Count("fx_rejects"));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task EmrPlan_StagingPathWithShellSyntax_SparkSqlStepTakesItAsAPathOnly()
    {
        using var dir = new TempDir();
        await TransactionGenerator.WriteAsync(new GenerateOptions { Rows = 100, Output = dir.Sub("raw"), From = D("2024-03-01"), To = D("2024-03-02") });
        WriteSyntheticRates(dir.Sub("rates"), D("2024-03-01"), D("2024-03-02"));
        var staging = dir.Sub("jobs $(touch pwned) 'x'; \"y\" `touch pwned2`");
        var plan = await Cli.RunAsync(dir.Path, "emr", "plan", "--rates", dir.Sub("rates"), "--input", dir.Sub("raw"),
            "--output", "s3://fx-lake/processed_data/", "--staging", staging);
        Assert.True(plan.ExitCode == 0, plan.Stderr);

        // The step's command, run with stand-ins for aws and spark-sql that record their arguments.
        Directory.CreateDirectory(dir.Sub("bin"));
        foreach (var tool in new[] { "aws", "spark-sql" })
        {
            File.WriteAllText(dir.Sub($"bin/{tool}"), $"#!/bin/sh\nprintf '%s\\n' \"$@\" > '{dir.Sub(tool + ".args")}'\n");
            File.SetUnixFileMode(dir.Sub($"bin/{tool}"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        using var steps = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(staging, "steps-spark-sql.json")));
        var args = steps.RootElement[0].GetProperty("Args").EnumerateArray().Select(a => a.GetString()!).ToList();
        Assert.Equal("bash", args[0]);
        var run = await Cli.ExecAsync("bash", args[1..], dir.Path, new Dictionary<string, string?> { ["PATH"] = $"{dir.Sub("bin")}:{Environment.GetEnvironmentVariable("PATH")}" });
        Assert.True(run.ExitCode == 0, run.Stderr);

        Assert.False(File.Exists(dir.Sub("pwned")) || File.Exists(dir.Sub("pwned2")), "the staging path ran as shell syntax");
        var aws = File.ReadAllLines(dir.Sub("aws.args"));
        Assert.Equal(["s3", "cp", Path.Combine(staging, "normalize.sql")], aws[..3]);
        Assert.Equal(["-f", aws[3]], File.ReadAllLines(dir.Sub("spark-sql.args")));
    }
}
