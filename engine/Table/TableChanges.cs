using System.Text.Json;

namespace FxEngine.Table;

/// <summary>
/// What a run changed in its table: the partitions it recomputed and why, how many it left as
/// they were, and how many rows moved from stale to exact and from rejected to converted
/// (from the partitions' counts before and after).
/// </summary>
public sealed record TableChanges(string Mode, IReadOnlyDictionary<string, string> Recomputed, int Unchanged, long StaleToExact, long RejectedToConverted)
{
    public static TableChanges None { get; } = new("full", new Dictionary<string, string>(), 0, 0, 0);

    internal static TableChanges UpToDate(int partitions) => new("up_to_date", new Dictionary<string, string>(), partitions, 0, 0);

    internal static TableChanges Of(ChangePlan plan, PartitionCounts counts)
    {
        long staleToExact = 0, rejectedToConverted = 0;
        var before = plan.Previous?.Partitions ?? [];
        foreach (var partition in plan.Reasons.Keys)
        {
            var old = before.GetValueOrDefault(partition);
            var (_, stale, rejected) = counts.All.GetValueOrDefault(partition);
            if (old is null)
                continue;
            staleToExact += Math.Max(0, old.StaleRows - stale);
            rejectedToConverted += Math.Max(0, old.RowsRejected - rejected);
        }
        var unchanged = plan.Full ? 0 : before.Keys.Count(p => !plan.Reasons.ContainsKey(p));
        return new(plan.Full ? "full" : "incremental", plan.Reasons, unchanged, staleToExact, rejectedToConverted);
    }

    internal void Write(Utf8JsonWriter json)
    {
        json.WriteStartObject("table");
        json.WriteString("mode", Mode);
        json.WriteNumber("partitions_recomputed", Recomputed.Count);
        json.WriteNumber("partitions_unchanged", Unchanged);
        json.WriteNumber("stale_to_exact", StaleToExact);
        json.WriteNumber("rejected_to_converted", RejectedToConverted);
        json.WriteStartObject("recomputed");
        foreach (var (partition, reason) in Recomputed)
            json.WriteString(partition, reason);
        json.WriteEndObject();
        json.WriteEndObject();
    }
}
