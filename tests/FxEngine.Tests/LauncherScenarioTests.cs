namespace FxEngine.Tests;

/// <summary>
/// The ./fxengine launcher: it builds the CLI once, says so on stderr, then runs the built CLI
/// directly; natively compiled when clang is there (FXENGINE_NATIVE=1, the default), on the JIT
/// with FXENGINE_NATIVE=0.
/// </summary>
public class LauncherScenarioTests
{
    [Theory]
    [InlineData("0")]
    [InlineData("1")]
    public async Task Launcher_SecondCallNothingChanged_RunsBuiltCliWithoutBuilding(string native)
    {
        using var dir = new TempDir();
        var launcher = Path.Combine(Cli.RepoRoot, "fxengine");
        var environment = new Dictionary<string, string?> { ["FXENGINE_BUILD_DIR"] = dir.Sub("build"), ["FXENGINE_NATIVE"] = native };

        var first = await Cli.ExecAsync("bash", [launcher, "--help"], dir.Path, environment, minutes: 10);
        Assert.True(first.ExitCode == 0, first.Stderr);
        Assert.Contains("fxengine: building the CLI", first.Stderr);
        Assert.Contains("fxengine [command] [options]", first.Stdout);
        Assert.DoesNotContain("Build succeeded", first.Stdout); // build output stays off stdout

        var second = await Cli.ExecAsync("bash", [launcher, "--help"], dir.Path, environment);
        Assert.True(second.ExitCode == 0, second.Stderr);
        Assert.Equal("", second.Stderr);
        Assert.Equal(first.Stdout, second.Stdout);
        // Native only when asked for and clang is there; the JIT build otherwise.
        Assert.True(File.Exists(dir.Sub(native != "0" && Cli.ClangFound ? "build/native/FxEngine.Cli" : "build/jit/FxEngine.Cli.dll")));
    }
}
