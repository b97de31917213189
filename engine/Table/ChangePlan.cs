using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using FxEngine.Pipeline;
using FxEngine.Storage;
using FxEngine.Transforms;

namespace FxEngine.Table;

/// <summary>
/// Which partitions of an output table a run recomputes, and why. Compares the table's state
/// with the inputs and rates there now: a partition is out of date when an input file that
/// holds (or held) rows for it is new, changed or deleted, when the rates its day resolves to
/// changed, or when the settings or input schemas changed (then everything is).
/// </summary>
internal sealed class ChangePlan
{
    private ChangePlan(IReadOnlyDictionary<string, string> reasons, bool full, IReadOnlyList<ObjectInfo> toRead,
        SortedDictionary<string, InputFileState> files, string settings, TableState? previous, RateFingerprint rates)
    {
        Reasons = reasons;
        Full = full;
        FilesToRead = toRead;
        Files = files;
        Settings = settings;
        Previous = previous;
        _rates = rates;
    }

    private readonly RateFingerprint _rates;

    /// <summary>Out-of-date partitions (<c>YYYY-MM-DD</c> or <see cref="TableState.Undated"/>) and why each is.</summary>
    public IReadOnlyDictionary<string, string> Reasons { get; }

    /// <summary>The whole table is recomputed and replaced (no usable state, new settings, or --full).</summary>
    public bool Full { get; }

    /// <summary>The input files that hold rows of an out-of-date partition: the only ones the run reads.</summary>
    public IReadOnlyList<ObjectInfo> FilesToRead { get; }

    public SortedDictionary<string, InputFileState> Files { get; }

    public string Settings { get; }

    public TableState? Previous { get; }

    public bool UpToDate => !Full && Reasons.Count == 0;

    /// <summary>The partition folders the commit replaces (null: the whole location).</summary>
    public IReadOnlySet<string>? Folders => Full ? null
        : Reasons.Keys.Select(p => $"{OutputSchema.PartitionColumn}={p}").ToHashSet(StringComparer.Ordinal);

    /// <summary>Whether rows of this day (<see cref="KeyColumns.NoDay"/> for undated rows) are recomputed.</summary>
    public bool Recomputes(int day) => Full || Reasons.ContainsKey(day == KeyColumns.NoDay ? TableState.Undated : TableState.PartitionOf(DateOnly.FromDayNumber(day)));

    public string RatesOf(string partition) =>
        _rates.Of(partition);

    public static async Task<ChangePlan> BuildAsync(TableState? previous, PendingCommit? interrupted, IObjectStore input, IReadOnlyList<ObjectInfo> inputs, RateTable rates,
        string settingsText, bool full, string dateColumn, char csvDelimiter, CancellationToken cancellationToken)
    {
        var files = new SortedDictionary<string, InputFileState>(StringComparer.Ordinal);
        var fingerprints = new RateFingerprint(rates);
        var scan = ScanKey(dateColumn, csvDelimiter);
        var known = previous?.Scan == scan ? previous.Files : [];
        var reasons = new SortedDictionary<string, string>(StringComparer.Ordinal);
        void Dirty(IEnumerable<string> partitions, string why)
        {
            foreach (var partition in partitions)
                reasons.TryAdd(partition, why);
        }

        bool Unchanged(ObjectInfo file) => known.GetValueOrDefault(file.Key) is { } same && same.Size == file.Size && same.Version == file.Version;
        // Files are scanned side by side: on a first or --full run every file is, before any row is
        // converted. A file that cannot be scanned fails the run as a scan in listing order would.
        var toScan = inputs.Where(file => !Unchanged(file)).ToList();
        var scanned = await OrderedParallel.RunAsync(toScan, Environment.ProcessorCount,
            (file, token) => InputScan.ScanAsync(input, file, dateColumn, csvDelimiter, token), cancellationToken).ConfigureAwait(false);
        var scans = toScan.Zip(scanned).ToDictionary(pair => pair.First.Key, pair => pair.Second, StringComparer.Ordinal);
        foreach (var file in inputs)
        {
            if (Unchanged(file))
            {
                files[file.Key] = known[file.Key];
                continue;
            }
            var state = files[file.Key] = scans[file.Key];
            var old = previous?.Files.GetValueOrDefault(file.Key);
            Dirty(state.Partitions.Concat(old?.Partitions ?? []), old is null ? $"new input {file.Key}" : $"changed input {file.Key}");
        }
        foreach (var (key, gone) in previous?.Files ?? [])
            if (!files.ContainsKey(key))
                Dirty(gone.Partitions, $"deleted input {key}");

        // The input schemas in listing order, as they merge (a column's place is its first appearance):
        // a file that moves another schema first reorders the output's columns, so every partition is recomputed.
        var settings = Fingerprint($"{TableState.CurrentVersion}|{settingsText}|{string.Join("|", files.Values.Select(f => f.Schema).Distinct())}");
        var wholeTable = full ? "--full"
            : interrupted is { Partitions: null } ? $"run {interrupted.RunId} was stopped while replacing the whole table"
            : previous is null ? "no table state yet (first run, or an output written before incremental runs)"
            : previous.Version != TableState.CurrentVersion ? "the table was written by another output layout version"
            : previous.Settings != settings ? "the settings or the input schemas changed"
            : null;

        if (interrupted?.Partitions is { } halfReplaced)
            Dirty(halfReplaced, $"run {interrupted.RunId} was stopped while replacing it");
        var now = files.Values.SelectMany(f => f.Partitions).ToHashSet(StringComparer.Ordinal);
        if (wholeTable is not null)
        {
            reasons.Clear();
            Dirty(now.Order(StringComparer.Ordinal), wholeTable);
        }
        else
        {
            foreach (var partition in now)
                if (!reasons.ContainsKey(partition) && partition != TableState.Undated
                    && previous!.Partitions.GetValueOrDefault(partition)?.Rates != fingerprints.Of(partition))
                    reasons[partition] = "the rates of its day changed";
        }

        var toRead = inputs.Where(f => files[f.Key].Partitions.Any(reasons.ContainsKey)).ToList();
        return new ChangePlan(reasons, wholeTable is not null, toRead, files, settings, previous, fingerprints);
    }

    /// <summary>How a file's days are read: they hold only for the same date column and delimiter.</summary>
    public static string ScanKey(string dateColumn, char csvDelimiter) => $"{dateColumn}|{(int)csvDelimiter}";

    private static string Fingerprint(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..32];
}
