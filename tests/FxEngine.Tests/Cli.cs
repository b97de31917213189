using System.Diagnostics;

namespace FxEngine.Tests;

/// <summary>Runs the real fxengine CLI in its own process, as a user would.</summary>
internal static class Cli
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static Task<Result> RunAsync(string workingDirectory, params string[] args) =>
        RunWithEnvironmentAsync(workingDirectory, new Dictionary<string, string?>(), args);

    /// <summary>Runs with environment variables set (a null value removes the variable).</summary>
    public static async Task<Result> RunWithEnvironmentAsync(string workingDirectory, IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        using var process = Start(workingDirectory, environment, args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"fxengine {string.Join(' ', args)} did not finish within 3 minutes");
        }
        return new Result(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Starts the CLI and leaves it running (output redirected, for the caller to read), to signal or kill it.</summary>
    public static Process Start(string workingDirectory, IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "FxEngine.Cli.dll"));
        // The scenarios choose their own rates source and broker, whatever the developer's shell says.
        start.Environment.Remove("OXR_APP_ID");
        start.Environment.Remove("OXR_BASE_URL");
        start.Environment.Remove("KAFKA_BOOTSTRAP_SERVERS");
        foreach (var (name, value) in environment)
        {
            if (value is null)
                start.Environment.Remove(name);
            else
                start.Environment[name] = value;
        }
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        return Process.Start(start)!;
    }

    /// <summary>Sends a POSIX signal (SIGTERM 15, SIGINT 2, SIGKILL 9) to a process.</summary>
    public static void Signal(Process process, int signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    /// <summary>Reads a process's stderr line by line until a line matches, or the wait runs out.</summary>
    public static async Task<List<string>> WaitForLineAsync(Process process, Func<string, bool> match, TimeSpan wait)
    {
        var lines = new List<string>();
        using var timeout = new CancellationTokenSource(wait);
        while (await process.StandardError.ReadLineAsync(timeout.Token) is { } line)
        {
            lines.Add(line);
            if (match(line))
                return lines;
        }
        throw new InvalidOperationException($"the process ended before the awaited line; it said: {string.Join(" | ", lines)}");
    }
}
