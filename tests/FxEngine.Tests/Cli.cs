using System.Diagnostics;

namespace FxEngine.Tests;

/// <summary>Runs the real fxengine CLI (and the repository's scripts) in their own process, as a user would.</summary>
internal static class Cli
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    /// <summary>The clone the tests were built from (the folder holding FxEngine.sln).</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    public static Task<Result> RunAsync(string workingDirectory, params string[] args) =>
        ExecAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "FxEngine.Cli.dll"), .. args], workingDirectory);

    /// <summary>Runs a program to its end (killed after <paramref name="minutes"/>) with stdout and stderr captured.</summary>
    public static async Task<Result> ExecAsync(string program, IEnumerable<string> args, string workingDirectory,
        IReadOnlyDictionary<string, string>? environment = null, int minutes = 3)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // The scenarios choose their own rates source and broker, whatever the developer's shell says.
        start.Environment.Remove("OXR_APP_ID");
        start.Environment.Remove("KAFKA_BOOTSTRAP_SERVERS");
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            start.Environment[name] = value;
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(minutes));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', args)} did not finish within {minutes} minutes");
        }
        return new Result(process.ExitCode, await stdout, await stderr);
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "FxEngine.sln")))
                return dir.FullName;
        throw new InvalidOperationException($"no FxEngine.sln above {AppContext.BaseDirectory}");
    }
}
