using System.Security.Cryptography;
using FxEngine.Jobs;
using static FxEngine.Tests.TestData;

namespace FxEngine.Tests;

/// <summary>Helpers for scenarios over an output table that changes run after run.</summary>
internal static class TableTest
{
    /// <summary>Every output and reject row as text, sorted: a missing, extra or changed row shows.</summary>
    public static List<string> Rows(string output, string rejects) =>
        Query($"SELECT txn_id || '|' || CAST(amount_sgd AS VARCHAR) || '|' || fx_status || '|' || CAST(fx_rate_date AS VARCHAR) AS r " +
              $"FROM read_parquet('{Glob(output)}', hive_partitioning = false) " +
              $"UNION ALL SELECT txn_id || '|' || reject_reason FROM read_parquet('{Glob(rejects)}', hive_partitioning = false) ORDER BY 1")
            .Select(r => (string)r["r"]!).ToList();

    /// <summary>Every data file under the locations, with a hash of its bytes, keyed by its path.</summary>
    public static Dictionary<string, string> DataFiles(params string[] locations) =>
        locations.SelectMany(location => Directory.Exists(location) ? Directory.GetFiles(location, "*.parquet", SearchOption.AllDirectories) : [])
            .ToDictionary(f => f, f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));

    /// <summary>The partition folders (<c>txn_date=…</c>) whose files were added, removed or changed between two listings.</summary>
    public static SortedSet<string> ChangedPartitions(Dictionary<string, string> before, Dictionary<string, string> after) =>
        new(before.Keys.Union(after.Keys)
            .Where(f => before.GetValueOrDefault(f) != after.GetValueOrDefault(f))
            .Select(f => Path.GetFileName(Path.GetDirectoryName(f)!)), StringComparer.Ordinal);

    /// <summary>The same normalization recomputed from scratch into a fresh location, as the reference.</summary>
    public static async Task<List<string>> FullRecomputeAsync(NormalizeOptions options, TempDir dir)
    {
        var fresh = dir.Sub($"full-{Guid.NewGuid():N}");
        await NormalizeJob.RunAsync(new NormalizeOptions
        {
            Rates = options.Rates, Input = options.Input, Output = $"{fresh}/out", Rejects = $"{fresh}/rejects",
            Target = options.Target, MaxStaleDays = options.MaxStaleDays, Workers = options.Workers, Full = true,
        });
        var rows = Rows($"{fresh}/out", $"{fresh}/rejects");
        Directory.Delete(fresh, recursive: true);
        return rows;
    }
}
