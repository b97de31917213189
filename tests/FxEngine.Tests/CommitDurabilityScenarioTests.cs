using System.Globalization;
using System.Text.RegularExpressions;
using static FxEngine.Tests.TestData;

namespace FxEngine.Tests;

/// <summary>
/// What a commit makes durable before its commit point, read from the system calls of the real
/// CLI under strace: a power loss cannot be staged here, but the order of unlinks, renames,
/// mkdirs and fsyncs is what decides what a restart finds.
/// </summary>
[Trait("Category", "Cli")]
public class CommitDurabilityScenarioTests
{
    private static readonly string[] Args = ["normalize", "--rates", "rates", "--input", "in/t.csv", "--output", "out", "--max-stale-days", "0"];

    [Fact]
    public async Task Normalize_Rerun_WhatItChangesIsFlushedBeforeTheStateNamesTheRun()
    {
        using var dir = new TempDir();
        // USD rows on three days, the rate only on the first: days 2 and 3 are rejected (missing_rate).
        await FirstRunAsync(dir);
        Assert.True(Directory.Exists(dir.Sub("out_rejects/txn_date=2024-01-03")), "the first run rejects day 3");

        // The late rates convert those rows: the rerun deletes the rejects' day folders and creates
        // nothing there, and creates the output's folders for days 2 and 3.
        WriteSnapshot(dir.Sub("rates"), D("2024-01-02"), ("USD", "1"), ("SGD", "1.36"));
        WriteSnapshot(dir.Sub("rates"), D("2024-01-03"), ("USD", "1"), ("SGD", "1.37"));
        var run = await TracedRunAsync(dir);
        Assert.False(Directory.Exists(dir.Sub("out_rejects/txn_date=2024-01-03")));

        var deletes = run.Before(run.CommitPoint, c => c.Name is "unlink" or "rmdir", c => run.InTable(c.Paths[0]));
        Assert.Contains(deletes, c => c.Paths[0] == dir.Sub("out_rejects/txn_date=2024-01-03"));
        Assert.Contains(deletes, c => c.Paths[0] == dir.Sub("out_rejects/_SUCCESS"));
        var lost = deletes.Where(d => !run.Durable(d)).Select(d => $"{d.Name} {d.Paths[0]}").ToList();
        Assert.True(lost.Count == 0, $"deleted before the state was written, not flushed to disk: {string.Join(", ", lost)}");

        // Every folder made before the state: its entry flushed in the folder above it.
        var made = run.Before(run.CommitPoint, c => c.Name is "mkdir", c => run.InTable(c.Paths[0]));
        Assert.Contains(made, c => c.Paths[0] == dir.Sub("out/txn_date=2024-01-03"));
        var unsafeFolders = made.Where(m => !run.Flushed(Path.GetDirectoryName(m.Paths[0])!, m.End, run.CommitPoint.Start)).Select(m => m.Paths[0]).ToList();
        Assert.True(unsafeFolders.Count == 0, $"folders made before the state was written, not flushed in their parent: {string.Join(", ", unsafeFolders)}");

        // Every file put in place before the state: its data flushed before the rename, its folder after it.
        var moves = run.Before(run.CommitPoint, c => c.Name is "rename", c => run.InTable(c.Paths.Last()));
        Assert.Contains(moves, c => c.Paths.Last().StartsWith(dir.Sub("out/txn_date=2024-01-03/part-"), StringComparison.Ordinal));
        var unsafeMoves = moves.Where(m => !run.Calls.Any(c => c.Name is "fsync" && c.Paths[0] == m.Paths[0] && c.End < m.Start)
                || !run.Flushed(Path.GetDirectoryName(m.Paths.Last())!, m.End, run.CommitPoint.Start))
            .Select(m => m.Paths.Last()).ToList();
        Assert.True(unsafeMoves.Count == 0, $"put in place before the state was written, not flushed to disk: {string.Join(", ", unsafeMoves)}");

        // The markers' removal is durable before any partition changes: an old marker back after a
        // power loss would vouch for half-replaced partitions.
        var firstChange = run.Before(run.CommitPoint, c => c.Name is "rename" or "unlink" or "rmdir",
            c => run.InTable(c.Paths.Last()) && !c.Paths.Last().EndsWith("_SUCCESS", StringComparison.Ordinal) && !c.Paths.Last().Contains("/_fxengine/", StringComparison.Ordinal)).First();
        foreach (var marker in deletes.Where(d => d.Paths[0].EndsWith("/_SUCCESS", StringComparison.Ordinal)))
            Assert.True(run.Flushed(Path.GetDirectoryName(marker.Paths[0])!, marker.End, firstChange.Start), $"{marker.Paths[0]}: its removal is not flushed before {firstChange.Name} {firstChange.Paths.Last()}");
    }

    [Fact]
    public async Task Normalize_AfterACommitKilledHalfway_FlushesEveryFolderTheKilledRunMayHaveChanged()
    {
        using var dir = new TempDir();
        await FirstRunAsync(dir);
        // What a run killed mid-commit leaves: its intent, no marker, and changes it had not flushed
        // (in folders this run's own commit never touches: day 1 is not recomputed).
        File.WriteAllText(dir.Sub("out/_fxengine/commit.json"), """{"run_id":"killed-run","partitions":["2024-01-02"]}""");
        File.Delete(dir.Sub("out/_SUCCESS"));
        File.Delete(dir.Sub("out_rejects/_SUCCESS"));

        var run = await TracedRunAsync(dir);

        var folders = Directory.EnumerateDirectories(dir.Sub("out"), "*", SearchOption.AllDirectories)
            .Concat(Directory.EnumerateDirectories(dir.Sub("out_rejects"), "*", SearchOption.AllDirectories))
            .Append(dir.Sub("out")).Append(dir.Sub("out_rejects")).ToList();
        Assert.Contains(dir.Sub("out/txn_date=2024-01-01"), folders);
        var unflushed = folders.Where(f => !run.Flushed(f, 0, run.CommitPoint.Start)).ToList();
        Assert.True(unflushed.Count == 0, $"not flushed before the state, after a killed commit: {string.Join(", ", unflushed)}");
    }

    private static async Task FirstRunAsync(TempDir dir)
    {
        Directory.CreateDirectory(dir.Sub("in"));
        File.WriteAllText(dir.Sub("in/t.csv"), "txn_date,currency,amount\n2024-01-01,USD,10\n2024-01-02,USD,20\n2024-01-03,USD,30\n");
        WriteSnapshot(dir.Sub("rates"), D("2024-01-01"), ("USD", "1"), ("SGD", "1.35"));
        var first = await Cli.RunAsync(dir.Path, Args);
        Assert.True(first.ExitCode == 0, first.Stderr);
    }

    /// <summary>Runs the CLI's normalize under strace; its calls, with the paths as the CLI names them.</summary>
    private static async Task<TracedRun> TracedRunAsync(TempDir dir)
    {
        var trace = dir.Sub("trace.txt");
        var result = await Cli.ExecAsync("strace", ["-f", "-qq", "-y", "-ttt", "-o", trace,
            "-e", "trace=fsync,fdatasync,unlink,unlinkat,rmdir,rename,renameat,renameat2,mkdir,mkdirat", .. Cli.CliCommand, .. Args], dir.Path);
        Assert.True(result.ExitCode == 0, result.Stderr);
        // -y prints a descriptor's path resolved (a symlinked TMPDIR), a call's own paths as given.
        var real = (await Cli.ExecAsync("realpath", [dir.Path], dir.Path)).Stdout.Trim();
        var calls = SystemCall.Parse(File.ReadAllLines(trace))
            .Select(c => c with { Paths = c.Paths.Select(p => p.StartsWith(real + "/", StringComparison.Ordinal) || p == real ? dir.Path + p[real.Length..] : p).ToList() })
            .ToList();
        return new TracedRun(calls, dir);
    }

    private sealed class TracedRun(List<SystemCall> calls, TempDir dir)
    {
        public List<SystemCall> Calls => calls;

        /// <summary>The rename that puts the table state in place: what the run's commit stands on.</summary>
        public SystemCall CommitPoint { get; } = Assert.Single(calls, c => c.Name == "rename" && c.Paths.Last() == dir.Sub("out/_fxengine/state.json"));

        public bool InTable(string path) =>
            (path.StartsWith(dir.Sub("out") + "/", StringComparison.Ordinal) || path.StartsWith(dir.Sub("out_rejects") + "/", StringComparison.Ordinal))
            && !path.Contains("/_temporary", StringComparison.Ordinal) && !path.EndsWith(".fxtmp", StringComparison.Ordinal);

        /// <summary>The calls of a kind that ended before <paramref name="point"/> started, in order.</summary>
        public List<SystemCall> Before(SystemCall point, Func<SystemCall, bool> kind, Func<SystemCall, bool> where) =>
            calls.Where(c => kind(c) && c.End < point.Start && where(c)).OrderBy(c => c.Start).ToList();

        /// <summary>Whether <paramref name="folder"/> was flushed after <paramref name="after"/> and before <paramref name="before"/>.</summary>
        public bool Flushed(string folder, decimal after, decimal before) =>
            calls.Any(c => c.Name is "fsync" && c.Paths[0] == folder && c.Start > after && c.End < before);

        /// <summary>A delete is durable once its folder is flushed after it, or once that folder's own removal is.</summary>
        public bool Durable(SystemCall delete)
        {
            var folder = Path.GetDirectoryName(delete.Paths[0])!;
            return Flushed(folder, delete.End, CommitPoint.Start)
                || calls.Any(c => c.Name == "rmdir" && c.Paths[0] == folder && c.Start > delete.End && Durable(c));
        }
    }

    /// <summary>
    /// One successful system call from <c>strace -f -y -ttt</c>: its paths (a descriptor's too), when
    /// it started, and when it was seen to end (for a call strace printed on one line, its start).
    /// Names are folded: unlinkat and rmdir of a folder are "rmdir", renameat(2) "rename", fdatasync "fsync", mkdirat "mkdir".
    /// </summary>
    private sealed record SystemCall(string Name, IReadOnlyList<string> Paths, decimal Start, decimal End)
    {
        private static readonly Regex Line = new(@"^(?<pid>\d+) +(?<time>\d+\.\d+) (?<rest>.*)$");
        private static readonly Regex Path = new(@"""(?<quoted>[^""]*)""|<(?<fd>/[^>]*)>");

        public static List<SystemCall> Parse(IEnumerable<string> lines)
        {
            var calls = new List<SystemCall>();
            var started = new Dictionary<string, (decimal Time, string Text)>();
            foreach (var line in lines)
            {
                if (Line.Match(line) is not { Success: true } match)
                    continue;
                var (pid, time, rest) = (match.Groups["pid"].Value, decimal.Parse(match.Groups["time"].Value, CultureInfo.InvariantCulture), match.Groups["rest"].Value);
                string text;
                decimal start;
                if (rest.EndsWith("<unfinished ...>", StringComparison.Ordinal))
                {
                    started[pid] = (time, rest);
                    continue;
                }
                if (rest.StartsWith("<... ", StringComparison.Ordinal))
                {
                    if (!started.Remove(pid, out var first))
                        continue;
                    (start, text) = (first.Time, first.Text + rest);
                }
                else
                    (start, text) = (time, rest);
                var open = text.IndexOf('(');
                // Only calls that succeeded count: "= 0" at the end.
                if (open <= 0 || !text.TrimEnd().EndsWith("= 0", StringComparison.Ordinal))
                    continue;
                var arguments = text[open..];
                // The *at calls' folder descriptor (AT_FDCWD</cwd>) comes first; .NET passes absolute paths, which ignore it.
                var paths = Path.Matches(arguments).Select(m => m.Groups["quoted"].Success ? m.Groups["quoted"].Value : m.Groups["fd"].Value)
                    .Where(p => p.StartsWith('/')).Skip(arguments.StartsWith("(AT_FDCWD", StringComparison.Ordinal) ? 1 : 0).ToList();
                var name = text[..open] switch
                {
                    "unlinkat" when arguments.Contains("AT_REMOVEDIR", StringComparison.Ordinal) => "rmdir",
                    "unlinkat" => "unlink",
                    "renameat" or "renameat2" => "rename",
                    "fdatasync" => "fsync",
                    "mkdirat" => "mkdir",
                    var other => other,
                };
                if (paths.Count > 0)
                    calls.Add(new SystemCall(name, paths, start, time));
            }
            return calls;
        }
    }
}
