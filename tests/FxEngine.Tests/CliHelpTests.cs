namespace FxEngine.Tests;

/// <summary>What --help tells a user: the command's name and defaults that hold on every machine.</summary>
[Trait("Category", "Cli")]
public class CliHelpTests
{
    private static async Task<string> HelpAsync(params string[] command)
    {
        using var dir = new TempDir();
        var result = await Cli.RunAsync(dir.Path, [.. command, "--help"]);
        Assert.True(result.ExitCode == 0, result.Stderr);
        return result.Stdout;
    }

    private static string OptionLine(string help, string option) =>
        help.Split('\n').Single(line => line.TrimStart().StartsWith(option + " ", StringComparison.Ordinal));

    [Fact]
    public async Task Help_Root_NamesCommandFxengine()
    {
        var help = await HelpAsync();
        Assert.Contains("fxengine [command] [options]", help);
        Assert.DoesNotContain("FxEngine.Cli", help);
    }

    [Theory]
    [InlineData("run")]
    [InlineData("normalize")]
    public async Task Help_Workers_SaysCoreCountNotThisMachinesNumber(string command)
    {
        var line = OptionLine(await HelpAsync(command), "--workers");
        Assert.Contains("(default: the number of cores)", line);
        Assert.DoesNotContain("[default:", line);
        Assert.Contains($"fxengine {command} [options]", await HelpAsync(command));
    }

    [Fact]
    public async Task Help_RunLake_SaysFolderOrS3()
    {
        var line = OptionLine(await HelpAsync("run"), "--lake");
        Assert.Contains("a folder or s3://bucket/prefix", line);
    }
}
