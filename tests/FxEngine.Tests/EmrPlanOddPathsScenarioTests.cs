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
        var staging = dir.Sub("jobs $(touch pwned) 'x'; \"y\" `touch pwned2`");
        await PlanAsync(dir, "s3://fx-lake/processed_data/", staging);

        // The step's command, run with stand-ins for aws, spark-sql and hadoop that record their
        // arguments; spark-sql prints what normalize.sql's last query would, a line to skip among them.
        var run = await RunSparkSqlStepAsync(dir, staging,
            "fxengine-stale output txn_date=2024-03-02\nnot a stale line\nfxengine-stale output txn_date=+20240-01-15\nfxengine-stale rejects txn_date=2024-03-01"); // no final line break
        Assert.True(run.ExitCode == 0, run.Stderr);

        Assert.False(File.Exists(dir.Sub("pwned")) || File.Exists(dir.Sub("pwned2")), "the staging path ran as shell syntax");
        var aws = File.ReadAllLines(dir.Sub("aws.args"));
        Assert.Equal(["s3", "cp", Path.Combine(staging, "normalize.sql")], aws[..3]);
        Assert.Equal(["-S", "-f", aws[3]], File.ReadAllLines(dir.Sub("spark-sql.args")));
        // The folders listed, and only those, deleted (in one hadoop call): each one's table location and name.
        Assert.Equal(["fs -rm -r -f -skipTrash s3://fx-lake/processed_data/txn_date=2024-03-02 s3://fx-lake/processed_data/txn_date=+20240-01-15 " +
            "s3://fx-lake/processed_data_rejects/txn_date=2024-03-01"], File.ReadAllLines(dir.Sub("hadoop.args")));
        Assert.Empty(Directory.GetFileSystemEntries(dir.Sub("steptmp"))); // the script and its output removed
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task EmrPlan_SparkSqlStep_LocationWithGlobCharacters_DeletesOnlyItsOwnFolder()
    {
        using var dir = new TempDir();
        await PlanAsync(dir, "s3://fx-lake/out [v2]{a,b}*?\\x/", dir.Sub("jobs"));

        var run = await RunSparkSqlStepAsync(dir, dir.Sub("jobs"), "fxengine-stale output txn_date=2024-03-02\n");
        Assert.True(run.ExitCode == 0, run.Stderr);
        // Hadoop's glob reads a backslash as "the next character as itself".
        Assert.Equal(["fs -rm -r -f -skipTrash s3://fx-lake/out \\[v2\\]\\{a,b\\}\\*\\?\\\\x/txn_date=2024-03-02"], File.ReadAllLines(dir.Sub("hadoop.args")));
    }

    [Theory]
    [InlineData("fxengine-stale output ../../everything\n", 0)]                       // not a partition's name: nothing deleted
    [InlineData("fxengine-stale output txn_date=2024-03-02 extra\n", 0)]
    [InlineData("fxengine-stale results txn_date=2024-03-02\n", 0)]                   // not a table
    [InlineData("fxengine-stale output txn_date=2024-03-02/..\n", 0)]
    [InlineData("fxengine-stale output txn_date=2024-03-02\nfxengine-stale output ../x\n", 0)] // an odd line after a good one: nothing deleted either
    [InlineData("fxengine-stale rejects txn_date=2024-03-01\n", 3)]                   // spark-sql failed: nothing deleted
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task EmrPlan_SparkSqlStep_DeletesNothingOnAFailedRunOrAnOddLine(string printed, int sparkSqlExit)
    {
        using var dir = new TempDir();
        await PlanAsync(dir, "s3://fx-lake/processed_data/", dir.Sub("jobs"));

        var run = await RunSparkSqlStepAsync(dir, dir.Sub("jobs"), printed, sparkSqlExit);
        Assert.NotEqual(0, run.ExitCode);
        Assert.False(File.Exists(dir.Sub("hadoop.args")), "a folder was deleted");
    }

    /// <summary>`emr plan` over two days of generated input, to <paramref name="output"/>, staged in <paramref name="staging"/>.</summary>
    private static async Task PlanAsync(TempDir dir, string output, string staging)
    {
        await TransactionGenerator.WriteAsync(new GenerateOptions { Rows = 100, Output = dir.Sub("raw"), From = D("2024-03-01"), To = D("2024-03-02") });
        WriteSyntheticRates(dir.Sub("rates"), D("2024-03-01"), D("2024-03-02"));
        var plan = await Cli.RunAsync(dir.Path, "emr", "plan", "--rates", dir.Sub("rates"), "--input", dir.Sub("raw"), "--output", output, "--staging", staging);
        Assert.True(plan.ExitCode == 0, plan.Stderr);
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static async Task<Cli.Result> RunSparkSqlStepAsync(TempDir dir, string staging, string sparkSqlPrints, int sparkSqlExit = 0)
    {
        Directory.CreateDirectory(dir.Sub("bin"));
        Directory.CreateDirectory(dir.Sub("steptmp"));
        foreach (var tool in new[] { "aws", "spark-sql", "hadoop" })
        {
            var then = tool == "spark-sql" ? $"printf '{sparkSqlPrints}'\nexit {sparkSqlExit}\n" : "";
            File.WriteAllText(dir.Sub($"bin/{tool}"), $"#!/bin/sh\n{(tool == "hadoop" ? "printf '%s\\n' \"$*\" >>" : "printf '%s\\n' \"$@\" >")} '{dir.Sub(tool + ".args")}'\n{then}");
            File.SetUnixFileMode(dir.Sub($"bin/{tool}"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        using var steps = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(staging, "steps-spark-sql.json")));
        var args = steps.RootElement[0].GetProperty("Args").EnumerateArray().Select(a => a.GetString()!).ToList();
        Assert.Equal("bash", args[0]);
        return await Cli.ExecAsync("bash", args[1..], dir.Path,
            new Dictionary<string, string?> { ["PATH"] = $"{dir.Sub("bin")}:{Environment.GetEnvironmentVariable("PATH")}", ["TMPDIR"] = dir.Sub("steptmp") });
    }
}
