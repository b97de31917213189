using System.Text.Json;
using System.Text.Json.Serialization;
using FxEngine.Transforms;

namespace FxEngine.Plan;

/// <summary>
/// One normalization run, described once: what the engine executes in-process and what
/// <see cref="SqlRenderer"/> turns into SQL for DuckDB and Spark. Serialized as the EMR job's
/// settings.
/// </summary>
internal sealed record NormalizationPlan
{
    public required string Target { get; init; }
    public required int TargetScale { get; init; }
    public required int MaxStaleDays { get; init; }
    public required ColumnMapping Columns { get; init; }

    /// <summary>
    /// The input's columns in order, merged by name across its files; every one but
    /// <c>txn_date</c> (the partition column) is carried to the output unchanged.
    /// </summary>
    public required IReadOnlyList<PlanColumn> InputColumns { get; init; }

    /// <summary>Every currency some snapshot quotes (rows in others are <c>unknown_currency</c>).</summary>
    public required IReadOnlyList<string> KnownCurrencies { get; init; }

    public required string Input { get; init; }
    public required string Output { get; init; }
    public required string Rejects { get; init; }

    /// <summary>The forward-filled rate table (Parquet) that Spark broadcasts.</summary>
    public required string RateTable { get; init; }

    public string AmountColumn => OutputSchema.AmountColumn(Target);

    public string ToJson() => JsonSerializer.Serialize(this, NormalizationPlanJson.Default.NormalizationPlan);

    public static NormalizationPlan FromJson(string json) =>
        JsonSerializer.Deserialize(json, NormalizationPlanJson.Default.NormalizationPlan) ?? throw new FxException("the plan file is empty");
}

/// <summary>The plan's JSON, generated at build time (no reflection: the CLI is compiled ahead of time).</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(NormalizationPlan))]
internal sealed partial class NormalizationPlanJson : JsonSerializerContext;
