using System.Text.Json.Serialization;

namespace FxEngine.Table;

/// <summary>
/// The stream's side of a table's state: for each topic partition, the offsets whose rows are
/// in the table (its commit point: files and offsets are published by one state write), the
/// columns its files use, and a flush whose files are recorded but not yet all moved in place.
/// </summary>
internal sealed record StreamState
{
    [JsonPropertyName("topic")] public string Topic { get; set; } = "";

    /// <summary>The input columns in the order first seen; later messages may add more, never reorder.</summary>
    [JsonPropertyName("columns")] public List<string> Columns { get; set; } = [];

    /// <summary>By topic partition number.</summary>
    [JsonPropertyName("offsets")] public SortedDictionary<int, PartitionOffsets> Offsets { get; set; } = [];

    /// <summary>A committed flush whose files may not all be in place: the next start finishes moving them.</summary>
    [JsonPropertyName("publishing")] public StreamFlushFiles? Publishing { get; set; }

    /// <summary>Rows the stream put in each table partition (<c>YYYY-MM-DD</c> or the undated one), over all its flushes.</summary>
    [JsonPropertyName("partitions")] public SortedDictionary<string, PartitionState> Partitions { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// With an output topic: offsets (ranges by partition) of committed rows not yet confirmed
    /// delivered to it; a restart publishes them again (at least once).
    /// </summary>
    [JsonPropertyName("unpublished")] public SortedDictionary<int, List<long[]>> Unpublished { get; set; } = [];

    [JsonPropertyName("last_flush")] public string LastFlush { get; set; } = "";

    [JsonPropertyName("last_commit_at")] public DateTimeOffset? LastCommitAt { get; set; }
}

/// <summary>
/// One topic partition's progress: every offset below <see cref="Next"/> is in the table except
/// the <see cref="Unwritten"/> ranges (rows still waiting for their day's rates when the flush
/// was committed). A restart reads again from the first unwritten offset and skips the rest.
/// </summary>
internal sealed record PartitionOffsets
{
    [JsonPropertyName("next")] public long Next { get; set; }

    /// <summary>Half-open ranges [from, to) of offsets below <see cref="Next"/> not yet in the table.</summary>
    [JsonPropertyName("unwritten")] public List<long[]> Unwritten { get; set; } = [];
}

/// <summary>The files of one flush: where each was staged and where it goes, in output and rejects.</summary>
internal sealed record StreamFlushFiles
{
    [JsonPropertyName("flush")] public string Flush { get; set; } = "";

    /// <summary>Keys relative to the output location: staged key → final key.</summary>
    [JsonPropertyName("output")] public SortedDictionary<string, string> Output { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Keys relative to the rejects location.</summary>
    [JsonPropertyName("rejects")] public SortedDictionary<string, string> Rejects { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Files a restatement replaces, removed once the new ones are in place (output location).</summary>
    [JsonPropertyName("remove_output")] public List<string> RemoveOutput { get; set; } = [];

    /// <summary>The same in the rejects location.</summary>
    [JsonPropertyName("remove_rejects")] public List<string> RemoveRejects { get; set; } = [];

    /// <summary>Two flushes' files as one commit.</summary>
    public StreamFlushFiles Merge(StreamFlushFiles other) => this with
    {
        Output = new SortedDictionary<string, string>(Output.Concat(other.Output).ToDictionary(), StringComparer.Ordinal),
        Rejects = new SortedDictionary<string, string>(Rejects.Concat(other.Rejects).ToDictionary(), StringComparer.Ordinal),
        RemoveOutput = [.. RemoveOutput, .. other.RemoveOutput],
        RemoveRejects = [.. RemoveRejects, .. other.RemoveRejects],
    };
}
