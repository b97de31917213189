using System.Text.RegularExpressions;

namespace FxEngine.Jobs;

/// <summary>Settings of <c>fxengine emr plan</c>, immutable; <see cref="Validate"/> changes nothing.</summary>
public sealed record EmrPlanOptions
{
    /// <summary>The run: rates, input, output, rejects, target, stale days, columns.</summary>
    public NormalizeOptions Normalize { get; init; } = new();

    /// <summary>Where the submission's files go, next to the data (s3://bucket/jobs/name/). Required.</summary>
    public string Staging { get; init; } = "";

    /// <summary>
    /// Microsoft.Spark version of the .NET route. Default 2.3.1, whose launcher lists Spark 3.5.0
    /// to 3.5.3 (later patches need spark.dotnet.ignoreSparkPatchVersionCheck).
    /// </summary>
    public string MicrosoftSparkVersion { get; init; } = "2.3.1";

    /// <summary>Spark minor version of the cluster, for the DotnetRunner jar. Default 3.5.</summary>
    public string SparkVersion { get; init; } = "3.5";

    /// <summary>Prefix of the Spark SQL route's table names. Default fxengine.</summary>
    public string TablePrefix { get; init; } = "fxengine";

    public void Validate()
    {
        Normalize.Validate();
        if (string.IsNullOrWhiteSpace(Staging))
            throw FxException.InvalidOption("--staging is required: where to write the plan, SQL and step definitions (s3://bucket/jobs/name/)");
        if (!Regex.IsMatch(TablePrefix, "^[a-z][a-z0-9_]*$"))
            throw FxException.InvalidOption($"--table-prefix '{TablePrefix}' must be lower-case letters, digits and underscores");
    }
}
