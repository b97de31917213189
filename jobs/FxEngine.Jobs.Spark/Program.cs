using FxEngine.Plan;
using FxEngine.Transforms;
using Microsoft.Spark.Interop.Ipc;
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
    // Overwrite replaces the partitions a run writes and keeps the others, as normalize.sql does.
    .Config("spark.sql.sources.partitionOverwriteMode", "dynamic")
    .GetOrCreate();

// The plan is a small JSON text file; read it through Spark so s3:// works like any path.
var plan = NormalizationPlan.FromJson(string.Join("\n", spark.Read().Text(args[0]).Collect().Select(row => row.GetAs<string>(0))));

// By column name across files: added columns are null where a file lacks them, decimals widened.
spark.Read().Option("mergeSchema", "true").Parquet(plan.Input).CreateOrReplaceTempView("transactions");
spark.Read().Parquet(plan.RateTable).CreateOrReplaceTempView("fx_rates");

// Classified once, cached, then split into output and rejects: the same SQL DuckDB runs in CI.
var classified = spark.Sql(SqlRenderer.Classify(plan, SqlDialect.Spark)).Cache();
classified.CreateOrReplaceTempView(SqlRenderer.Classified);

// Both partitioned by day, txn_date (the SELECTs' last column) in the folder names only and a
// null day under txn_date=__HIVE_DEFAULT_PARTITION__. Dynamic overwrite: a rerun replaces the
// partitions it writes. Spark's committer writes _SUCCESS last.
foreach (var (query, location) in new[] { (SqlRenderer.Output(plan, SqlDialect.Spark), plan.Output), (SqlRenderer.Rejects(plan, SqlDialect.Spark), plan.Rejects) })
    spark.Sql(query)
        .Write().Mode(SaveMode.Overwrite).Option("compression", "snappy").Option("partitionOverwriteMode", "dynamic")
        .PartitionBy(OutputSchema.PartitionColumn)
        .Parquet(location);

// A day of this input with no rows for one of the tables keeps that table's folder from the
// last run, which dynamic overwrite does not touch: deleted, now that both are written.
var hadoop = spark.SparkContext.HadoopConfiguration();
foreach (var stale in spark.Sql(SqlRenderer.StalePartitions()).Collect())
{
    var folder = $"{(stale.GetAs<string>(0) == "output" ? plan.Output : plan.Rejects).TrimEnd('/')}/{stale.GetAs<string>(1)}";
    var path = hadoop.Reference.Jvm.CallConstructor("org.apache.hadoop.fs.Path", folder);
    var files = (JvmObjectReference)path.Invoke("getFileSystem", hadoop);
    // Hadoop's delete takes the path as it is, never as a glob; false: there was nothing to delete.
    if ((bool)files.Invoke("delete", path, true))
        Console.WriteLine($"fxengine: removed {folder}, a partition left stale");
}

Console.WriteLine($"fxengine: normalized {plan.Input} into {plan.Output} (rejects: {plan.Rejects})");
classified.Unpersist();
return 0;
