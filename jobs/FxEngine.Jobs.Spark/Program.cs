using FxEngine.Plan;
using FxEngine.Transforms;
using Microsoft.Spark.Sql;

// The .NET for Apache Spark driver of FxEngine. Submitted by the steps `fxengine emr plan`
// writes; its one argument is the plan (plan.json, next to the data). DataFrame and SQL calls
// only, no UDFs: executors need no .NET worker. Not built or run in this repository's CI.
if (args.Length != 1)
{
    Console.Error.WriteLine("usage: FxEngine.Jobs.Spark <plan.json location>");
    return 2;
}

using var spark = SparkSession.Builder()
    .AppName("fxengine-normalize")
    .Config("spark.sql.session.timeZone", "UTC")
    // Non-ANSI, as normalize.sql sets it: an overflow or a bad date is a reject, not a failed job.
    .Config("spark.sql.ansi.enabled", "false")
    // The rendered SQL's literals use backslash escapes.
    .Config("spark.sql.parser.escapedStringLiterals", "false")
    .GetOrCreate();

// The plan is a small JSON text file; read it through Spark so s3:// works like any path.
var plan = NormalizationPlan.FromJson(string.Join("\n", spark.Read().Text(args[0]).Collect().Select(row => row.GetAs<string>(0))));

spark.Read().Parquet(plan.Input).CreateOrReplaceTempView("transactions");
spark.Read().Parquet(plan.RateTable).CreateOrReplaceTempView("fx_rates");

// Classified once, cached, then split into output and rejects: the same SQL DuckDB runs in CI.
var classified = spark.Sql(SqlRenderer.Classify(plan, SqlDialect.Spark)).Cache();
classified.CreateOrReplaceTempView(SqlRenderer.Classified);

// Overwrite: a rerun replaces the previous output. Spark's committer writes _SUCCESS last.
spark.Sql(SqlRenderer.SparkOutput(plan))
    .Write().Mode(SaveMode.Overwrite).Option("compression", "snappy")
    .PartitionBy(OutputSchema.PartitionColumn)
    .Parquet(plan.Output);
spark.Sql(SqlRenderer.Rejects(plan, SqlDialect.Spark))
    .Write().Mode(SaveMode.Overwrite).Option("compression", "snappy")
    .Parquet(plan.Rejects);

Console.WriteLine($"fxengine: normalized {plan.Input} into {plan.Output} (rejects: {plan.Rejects})");
classified.Unpersist();
return 0;
