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
        using var process = Process.Start(start)!;
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
}
