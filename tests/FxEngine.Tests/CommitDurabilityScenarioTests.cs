using System.Globalization;
using System.Text.RegularExpressions;
using static FxEngine.Tests.TestData;

namespace FxEngine.Tests;

/// <summary>
/// What a commit makes durable before its commit point, read from the system calls of the real
/// CLI under strace: a power loss cannot be staged here, but the order of unlinks, renames and
/// fsyncs is what decides what a restart finds.
/// </summary>
[Trait("Category", "Cli")]
public class CommitDurabilityScenarioTests
{
    [Fact]
    public async Task Normalize_Rerun_WhatItDeletesAndMovesIsFlushedBeforeTheStateNamesTheRun()
    {
        using var dir = new TempDir();
        // USD rows on three days, the rate only on the first: days 2 and 3 are rejected (missing_rate).
        Directory.CreateDirectory(dir.Sub("in"));
        File.WriteAllText(dir.Sub("in/t.csv"), "txn_date,currency,amount\n2024-01-01,USD,10\n2024-01-02,USD,20\n2024-01-03,USD,30\n");
        WriteSnapshot(dir.Sub("rates"), D("2024-01-01"), ("USD", "1"), ("SGD", "1.35"));
        string[] args = ["normalize", "--rates", "rates", "--input", "in/t.csv", "--output", "out", "--max-stale-days", "0"];
        var first = await Cli.RunAsync(dir.Path, args);
        Assert.True(first.ExitCode == 0, first.Stderr);
        Assert.True(Directory.Exists(dir.Sub("out_rejects/txn_date=2024-01-03")), "the first run rejects day 3");

        // The late rates convert those rows: the rerun deletes the rejects' day folders and creates nothing there.
        WriteSnapshot(dir.Sub("rates"), D("2024-01-02"), ("USD", "1"), ("SGD", "1.36"));
        WriteSnapshot(dir.Sub("rates"), D("2024-01-03"), ("USD", "1"), ("SGD", "1.37"));
        var trace = dir.Sub("trace.txt");
        var rerun = await Cli.ExecAsync("strace", ["-f", "-qq", "-y", "-ttt", "-o", trace, "-e", "trace=fsync,fdatasync,unlink,unlinkat,rmdir,rename,renameat,renameat2",
            .. Cli.CliCommand, .. args], dir.Path);
        Assert.True(rerun.ExitCode == 0, rerun.Stderr);
        Assert.False(Directory.Exists(dir.Sub("out_rejects/txn_date=2024-01-03")));

        var calls = SystemCall.Parse(File.ReadAllLines(trace));
        var state = Path.Combine(dir.Path, "out", "_fxengine", "state.json");
        var commitPoint = Assert.Single(calls, c => c.Name.StartsWith("rename", StringComparison.Ordinal) && c.Paths.Last() == state);
        bool InTable(string path) => (path.StartsWith(dir.Sub("out") + "/", StringComparison.Ordinal) || path.StartsWith(dir.Sub("out_rejects") + "/", StringComparison.Ordinal))
            && !path.Contains("/_temporary", StringComparison.Ordinal) && !path.EndsWith(".fxtmp", StringComparison.Ordinal);
        var deletes = calls.Where(c => c.Name is "unlink" or "unlinkat" or "rmdir" && c.End < commitPoint.Start && InTable(c.Paths[0])).ToList();
        Assert.Contains(deletes, c => c.Paths[0] == dir.Sub("out_rejects/txn_date=2024-01-03"));
        Assert.Contains(deletes, c => c.Paths[0] == dir.Sub("out_rejects/_SUCCESS"));

        // A delete is durable once its folder is flushed after it, or once that folder's own removal is.
        bool Durable(SystemCall delete)
        {
            var folder = Path.GetDirectoryName(delete.Paths[0])!;
            return calls.Any(c => c.Name is "fsync" or "fdatasync" && c.Paths[0] == folder && c.Start > delete.End && c.End < commitPoint.Start)
                || calls.Any(c => c.Name == "rmdir" && c.Paths[0] == folder && c.Start > delete.End && Durable(c));
        }
        var lost = deletes.Where(d => !Durable(d)).Select(d => $"{d.Name} {d.Paths[0]}").ToList();
        Assert.True(lost.Count == 0, $"deleted before the state was written, not flushed to disk: {string.Join(", ", lost)}");

        // Every file put in place before the state: its data flushed before the rename, its folder after it.
        var moves = calls.Where(c => c.Name.StartsWith("rename", StringComparison.Ordinal) && c.End < commitPoint.Start && InTable(c.Paths.Last())).ToList();
        Assert.Contains(moves, c => c.Paths.Last().StartsWith(dir.Sub("out/txn_date=2024-01-03/part-"), StringComparison.Ordinal));
        var unsafeMoves = moves.Where(m =>
                !calls.Any(c => c.Name is "fsync" or "fdatasync" && c.Paths[0] == m.Paths[0] && c.End < m.Start)
                || !calls.Any(c => c.Name is "fsync" or "fdatasync" && c.Paths[0] == Path.GetDirectoryName(m.Paths.Last()) && c.Start > m.End && c.End < commitPoint.Start))
            .Select(m => m.Paths.Last()).ToList();
        Assert.True(unsafeMoves.Count == 0, $"put in place before the state was written, not flushed to disk: {string.Join(", ", unsafeMoves)}");
    }

    /// <summary>One completed system call from <c>strace -f -y -ttt</c>: its paths (those of its file descriptors too) and when it started and ended.</summary>
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
                var paths = Path.Matches(text[open..]).Select(m => m.Groups["quoted"].Success ? m.Groups["quoted"].Value : m.Groups["fd"].Value)
                    // unlinkat(AT_FDCWD</cwd>, "path", 0) and renameat: the folder fd comes first; a relative path would need it, .NET passes absolute ones.
                    .Where(p => p.StartsWith('/')).ToList();
                if (text[..open] is "unlinkat" or "renameat" or "renameat2" && paths.Count > 1)
                    paths = paths.Where((_, i) => i > 0 || !text[open..].StartsWith("(AT_FDCWD", StringComparison.Ordinal)).ToList();
                if (paths.Count > 0)
                    calls.Add(new SystemCall(text[..open], paths, start, time));
            }
            return calls;
        }
    }
}
