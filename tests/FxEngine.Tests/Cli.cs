using System.Diagnostics;

namespace FxEngine.Tests;

/// <summary>
/// Runs the real fxengine CLI (or another program) in its own process, as a user would. The
/// classes that do are in the trait Category=Cli, which CI runs a second time on the natively
/// compiled CLI (FXENGINE_TEST_CLI), the one ./fxengine ships.
/// </summary>
internal static class Cli
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    /// <summary>The clone the tests were built from (the folder holding FxEngine.sln).</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    private static string CliDll => Path.Combine(AppContext.BaseDirectory, "FxEngine.Cli.dll");

    /// <summary>The CLI's command line: FXENGINE_TEST_CLI names a native (ahead-of-time compiled) CLI to test instead of the built one.</summary>
    public static string[] CliCommand { get; } =
        Environment.GetEnvironmentVariable("FXENGINE_TEST_CLI") is { Length: > 0 } native ? [Path.GetFullPath(native)] : ["dotnet", CliDll];

    /// <summary>Whether clang is on the PATH, so that ./fxengine compiles the CLI natively.</summary>
    public static bool ClangFound { get; } = (Environment.GetEnvironmentVariable("PATH") ?? "")
        .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Any(folder => File.Exists(Path.Combine(folder, "clang")));

    public static Task<Result> RunAsync(string workingDirectory, params string[] args) =>
        ExecAsync(CliCommand[0], [.. CliCommand[1..], .. args], workingDirectory);

    /// <summary>Runs the CLI with environment variables set (a null value removes the variable).</summary>
    public static Task<Result> RunWithEnvironmentAsync(string workingDirectory, IReadOnlyDictionary<string, string?> environment, params string[] args) =>
        ExecAsync(CliCommand[0], [.. CliCommand[1..], .. args], workingDirectory, environment);

    /// <summary>
    /// Runs the CLI where file permissions apply: as root, without the capabilities that let root
    /// read any folder (a folder of mode 000 then refuses it, as it refuses any other user).
    /// </summary>
    public static Task<Result> RunWithoutOverridingPermissionsAsync(string workingDirectory, params string[] args) =>
        Environment.IsPrivilegedProcess
            ? ExecAsync("setpriv", ["--bounding-set=-dac_override,-dac_read_search", .. CliCommand, .. args], workingDirectory)
            : RunAsync(workingDirectory, args);

    /// <summary>
    /// Runs the CLI under a file size limit (<c>ulimit -f</c>, in KiB) with SIGXFSZ ignored, so that a
    /// write past it fails (EFBIG) as a write to a full disk does, rather than killing the process.
    /// The JIT's double-mapped code memory is a file the limit would cap too, so it is turned off.
    /// </summary>
    public static Task<Result> RunWithFileSizeLimitAsync(string workingDirectory, int kib, IReadOnlyDictionary<string, string?> environment, params string[] args) =>
        ExecAsync("bash", ["-c", "trap '' XFSZ && ulimit -f \"$0\" && exec \"$@\"", kib.ToString(System.Globalization.CultureInfo.InvariantCulture), .. CliCommand, .. args],
            workingDirectory, new Dictionary<string, string?>(environment) { ["DOTNET_EnableWriteXorExecute"] = "0" });

    /// <summary>Runs a program to its end (killed after <paramref name="minutes"/>) with stdout and stderr captured.</summary>
    public static async Task<Result> ExecAsync(string program, IEnumerable<string> args, string workingDirectory,
        IReadOnlyDictionary<string, string?>? environment = null, int minutes = 3)
    {
        using var process = Launch(program, args, workingDirectory, environment);
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

    /// <summary>
    /// Starts the CLI and leaves it running (output redirected, for the caller to read), to signal
    /// or kill it. SIGINT is reset to its default first: a test run started in the background
    /// inherits it ignored, and .NET, like any Unix program, leaves an ignored SIGINT ignored.
    /// </summary>
    public static Process Start(string workingDirectory, IReadOnlyDictionary<string, string?> environment, params string[] args) =>
        Launch("env", ["--default-signal=INT", .. CliCommand, .. args], workingDirectory, environment);

    /// <summary>
    /// Sends a POSIX signal (SIGTERM 15, SIGINT 2, SIGKILL 9) to a process, at once: starting a
    /// `kill` process from a large test host can take long enough on a busy machine for a short
    /// run to reach its commit first.
    /// </summary>
    public static void Signal(Process process, int signal)
    {
        // No such process: it ended before the signal (a run that committed); the caller's check of its exit code says so.
        var error = FxEngine.Storage.Locks.ProcessIdentity.Signal(process.Id, signal);
        if (error is not 0 and not FxEngine.Storage.Locks.ProcessIdentity.NoSuchProcess)
            throw new InvalidOperationException($"kill({process.Id}, {signal}) failed: errno {error}");
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

    private static Process Launch(string program, IEnumerable<string> args, string workingDirectory, IReadOnlyDictionary<string, string?>? environment)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // The scenarios choose their own rates source and broker, whatever the developer's shell says.
        start.Environment.Remove("OXR_APP_ID");
        start.Environment.Remove("OXR_BASE_URL");
        start.Environment.Remove("KAFKA_BOOTSTRAP_SERVERS");
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
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

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "FxEngine.sln")))
                return dir.FullName;
        throw new InvalidOperationException($"no FxEngine.sln above {AppContext.BaseDirectory}");
    }
}
