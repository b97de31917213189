using FxEngine.Storage;
using static FxEngine.Tests.TestData;

namespace FxEngine.Tests;

/// <summary>
/// `fxengine run` on an S3 lake through the CLI process (AWS settings from the environment, as
/// the fixture sets them): CI runs it on the natively compiled CLI too, whose trimming the AWS
/// SDK must survive.
/// </summary>
[Collection(S3Collection.Name)]
[Trait("Category", "Cli")]
public class CliS3ScenarioTests(S3rverFixture s3)
{
    [Fact]
    public async Task Run_S3Lake_WritesThenFindsNothingToRecompute()
    {
        Assert.NotNull(s3.Endpoint);
        var lake = $"s3://{S3rverFixture.Bucket}/cli-{Guid.NewGuid():N}";
        using var dir = new TempDir();
        string[] args = ["run", "--lake", lake, "--rows", "5000", "--from", "2024-05-01", "--to", "2024-05-03"];

        var first = await Cli.RunAsync(dir.Path, args);
        Assert.True(first.ExitCode == 0, first.Stderr);
        Assert.Matches(@"rows in\s+5,000", first.Stdout);
        var output = ObjectStore.Open($"{lake}/processed_data");
        Assert.True(await output.ExistsAsync("_SUCCESS"));
        Assert.Equal(3, (await KeysAsync(output)).Count(k => k.EndsWith(".parquet", StringComparison.Ordinal)));

        var second = await Cli.RunAsync(dir.Path, args);
        Assert.True(second.ExitCode == 0, second.Stderr);
        Assert.Contains("nothing was recomputed", second.Stdout + second.Stderr);
    }
}
