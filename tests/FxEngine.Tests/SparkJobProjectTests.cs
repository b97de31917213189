namespace FxEngine.Tests;

/// <summary>
/// The .NET for Apache Spark job is outside the solution (its package is not served here), so
/// nothing else would notice if its project stopped loading: MSBuild evaluates it here, as CI does.
/// </summary>
public class SparkJobProjectTests
{
    private static readonly string Project = Path.Combine(Cli.RepoRoot, "jobs", "FxEngine.Jobs.Spark", "FxEngine.Jobs.Spark.csproj");

    [Fact]
    public async Task Evaluate_DefaultBuild_LoadsProject()
    {
        var result = await Cli.ExecAsync("dotnet", ["msbuild", Project, "-getProperty:AssemblyName"], Cli.RepoRoot);
        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        Assert.Equal("FxEngine.Jobs.Spark", result.Stdout.Trim());
    }

    [Fact]
    public async Task Evaluate_EnableSpark_CompilesEngineFilesThatExist()
    {
        var result = await Cli.ExecAsync("dotnet", ["msbuild", Project, "-p:EnableSpark=true", "-getItem:Compile"], Cli.RepoRoot);
        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        using var json = System.Text.Json.JsonDocument.Parse(result.Stdout);
        var files = json.RootElement.GetProperty("Items").GetProperty("Compile").EnumerateArray()
            .Select(item => item.GetProperty("FullPath").GetString()!).ToList();
        Assert.Contains(files, file => file.EndsWith("Program.cs", StringComparison.Ordinal));
        Assert.Contains(files, file => file.EndsWith("SqlRenderer.cs", StringComparison.Ordinal));
        Assert.All(files, file => Assert.True(File.Exists(file), $"{file} is compiled into the Spark job but does not exist"));
    }
}
