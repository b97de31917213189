using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using FxEngine.Plan;
using FxEngine.Sinks;
using FxEngine.Storage;
using FxEngine.Transforms;

namespace FxEngine.Jobs;

/// <summary>
/// Writes everything an EMR submission needs next to the data: the broadcast rate table, the
/// plan (the .NET job's settings), the Spark SQL script, a DuckDB rendering of the same plan
/// for local checks, step definitions for <c>aws emr add-steps</c> for both routes (the .NET job
/// through DotnetRunner, and plain <c>spark-sql -f</c>), and a bootstrap action.
/// </summary>
public static class EmrPlanJob
{
    internal const string RateTableName = "rates.parquet";
    internal const string PlanName = "plan.json";
    internal const string SparkSqlName = "normalize.sql";
    internal const string DuckDbSqlName = "normalize.duckdb.sql";
    internal const string DotnetStepsName = "steps-dotnet.json";
    internal const string SparkSqlStepsName = "steps-spark-sql.json";
    internal const string BootstrapName = "bootstrap-dotnet.sh";
    internal const string AppName = "FxEngine.Jobs.Spark";

    public static async Task<IReadOnlyList<string>> RunAsync(EmrPlanOptions options, CancellationToken cancellationToken = default)
    {
        options.Validate();
        var run = options.Normalize;
        var rates = await RateTable.LoadAsync(run.Rates, run.TargetCode, run.MaxStaleDays, cancellationToken).ConfigureAwait(false);
        var staging = ObjectStore.Open(options.Staging);
        // The plan's checks first: a refused plan leaves nothing staged.
        var plan = await PlanBuilder.BuildAsync((run.Input, run.Output, run.RejectsLocation), run.Columns, rates, staging.Describe(RateTableName),
            cancellationToken).ConfigureAwait(false);
        await RateTableWriter.WriteAsync(rates, staging, RateTableName, cancellationToken).ConfigureAwait(false);

        var files = new Dictionary<string, string>
        {
            [PlanName] = plan.ToJson(),
            [SparkSqlName] = SqlRenderer.SparkScript(plan, options.TablePrefix),
            [DuckDbSqlName] = DuckDbScript(plan),
            [DotnetStepsName] = Steps("FxEngine normalize (.NET for Apache Spark)", DotnetArgs(options, staging)),
            // The script's and the tables' locations are arguments ($1-$3), never part of the
            // command text: a path holding a space, a quote or $(...) is then only a path. A temp
            // file of its own, so steps running side by side on one node do not take each other's script.
            [SparkSqlStepsName] = Steps("FxEngine normalize (spark-sql)",
                ["bash", "-c", SparkSqlStep, "fxengine-normalize", staging.Describe(SparkSqlName), HadoopGlobLiteral(plan.Output), HadoopGlobLiteral(plan.Rejects)]),
            [BootstrapName] = Bootstrap,
        };
        foreach (var (key, text) in files)
            await staging.WriteAllAsync(key, Encoding.UTF8.GetBytes(text), cancellationToken).ConfigureAwait(false);
        return [staging.Describe(RateTableName), .. files.Keys.Select(staging.Describe)];
    }

    /// <summary>
    /// Runs <c>normalize.sql</c>, then deletes the partition folders its last query lists (see
    /// <see cref="SqlRenderer.StalePartitions"/>), only once every line is a table and a partition's
    /// name, in one <c>hadoop fs -rm</c> per 500 folders (each is a JVM start). A failed run or an odd
    /// line deletes nothing; a failed deletion fails the step, and the next run lists the folders
    /// again. The locations ($2, $3) come glob-escaped: <c>hadoop fs -rm</c> expands globs, and a
    /// location holding <c>[v2]</c> would name other folders.
    /// </summary>
    private const string SparkSqlStep =
        "set -o pipefail; script=$(mktemp) && trap 'rm -f \"$script\" \"$script.out\"' EXIT && " +
        "aws s3 cp \"$1\" \"$script\" && spark-sql -S -f \"$script\" | tee \"$script.out\" && paths=() && " +
        "while read -r mark table partition rest || [ -n \"$mark\" ]; do " +
        $"[ \"$mark\" = {SqlRenderer.StaleMark} ] || continue; " +
        "case \"$table\" in output) location=$2 ;; rejects) location=$3 ;; *) location= ;; esac; " +
        // Spark writes a year past 9999 with its sign and all its digits: txn_date=+20240-01-15.
        $"if [ -z \"$location\" ] || [ -n \"$rest\" ] || ! [[ \"$partition\" =~ ^{OutputSchema.PartitionColumn}=([+-]?[0-9]{{4,}}-[0-9]{{2}}-[0-9]{{2}}|{OutputSchema.DefaultPartition})$ ]]; then " +
        "echo \"fxengine: not a stale partition: $mark $table $partition $rest\" >&2; exit 1; fi; " +
        "paths+=(\"${location%/}/$partition\"); " +
        "done < \"$script.out\" && " +
        "for ((i = 0; i < ${#paths[@]}; i += 500)); do hadoop fs -rm -r -f -skipTrash \"${paths[@]:i:500}\" || exit 1; done";

    /// <summary><paramref name="location"/> as a Hadoop glob that matches only itself.</summary>
    internal static string HadoopGlobLiteral(string location) =>
        System.Text.RegularExpressions.Regex.Replace(location, @"[\\*?\[\]{}]", @"\$0");

    private static string[] DotnetArgs(EmrPlanOptions options, IObjectStore staging) =>
    [
        "spark-submit", "--deploy-mode", "cluster", "--master", "yarn",
        "--class", "org.apache.spark.deploy.dotnet.DotnetRunner",
        "--conf", "spark.sql.session.timeZone=UTC",
        "--conf", "spark.sql.ansi.enabled=false",
        "--conf", "spark.dotnet.ignoreSparkPatchVersionCheck=true",
        staging.Describe($"microsoft-spark-{options.SparkVersion.Replace('.', '-')}_2.12-{options.MicrosoftSparkVersion}.jar"),
        staging.Describe($"{AppName}.zip"), AppName, staging.Describe(PlanName),
    ];

    /// <summary>The JSON that <c>aws emr add-steps --cluster-id j-… --steps file://…</c> takes.</summary>
    private static string Steps(string name, string[] args) =>
        JsonSerializer.Serialize([new EmrStep("CUSTOM_JAR", name, "CONTINUE", "command-runner.jar", args)], EmrStepJson.Default.EmrStepArray);

    /// <summary>The same plan for DuckDB: run it in the duckdb CLI against local copies to check a plan before submitting.</summary>
    private static string DuckDbScript(NormalizationPlan plan) =>
        DuckDbScript(plan, plan.Input.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase) ? plan.Input : $"{plan.Input.TrimEnd('/')}/**/*.parquet");

    private static string DuckDbScript(NormalizationPlan plan, string inputGlob) =>
        $"""
        -- FxEngine normalization in DuckDB SQL, the same plan as normalize.sql, for local checks.
        CREATE OR REPLACE VIEW transactions AS {DuckDbNormalizeJob.TransactionsView(plan, SqlRenderer.Literal(SqlDialect.DuckDb, inputGlob))};
        CREATE OR REPLACE VIEW fx_rates AS SELECT * FROM read_parquet({SqlRenderer.Literal(SqlDialect.DuckDb, plan.RateTable)});
        CREATE OR REPLACE TEMP TABLE {SqlRenderer.Classified} AS
        {SqlRenderer.Classify(plan, SqlDialect.DuckDb)};
        CREATE OR REPLACE TEMP TABLE fx_output AS
        {SqlRenderer.Output(plan, SqlDialect.DuckDb)};
        CREATE OR REPLACE TEMP TABLE fx_rejects AS
        {SqlRenderer.Rejects(plan, SqlDialect.DuckDb)};

        """;

    private const string Bootstrap = """
        #!/bin/bash
        # EMR bootstrap action for the .NET route: the .NET 8 runtime on every node, since the
        # driver runs in cluster mode on a core node. The job uses DataFrame and SQL calls only
        # (no UDFs), so executors need no Microsoft.Spark.Worker.
        set -euo pipefail
        if ! command -v dotnet >/dev/null 2>&1; then
          sudo dnf install -y dotnet-runtime-8.0 || sudo yum install -y dotnet-runtime-8.0
        fi
        dotnet --list-runtimes

        """;
}

/// <summary>One step of <c>aws emr add-steps --steps file://…</c>, in the field names it takes.</summary>
internal sealed record EmrStep(string Type, string Name, string ActionOnFailure, string Jar, string[] Args);

[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(EmrStep[]))]
internal sealed partial class EmrStepJson : JsonSerializerContext;
