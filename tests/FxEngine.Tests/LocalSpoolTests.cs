using System.Diagnostics;
using FxEngine.Storage;

namespace FxEngine.Tests;

/// <summary>What a killed process left in the temp folder goes; a live process's files stay.</summary>
public class LocalSpoolTests
{
    [Fact]
    public async Task SweepDead_DeadAndLiveOwners_RemovesOnlyTheDeadOnes()
    {
        using var exited = Process.Start("true")!;
        await exited.WaitForExitAsync();
        var dead = Path.Combine(Path.GetTempPath(), $"fxengine-s3-{exited.Id}-{Guid.NewGuid():N}.tmp");
        var deadFolder = Path.Combine(Path.GetTempPath(), $"fxengine-s3-{exited.Id}-{Guid.NewGuid():N}");
        var live = LocalSpool.NewPath("s3", ".tmp");
        File.WriteAllText(dead, "left by a killed upload");
        Directory.CreateDirectory(deadFolder);
        File.WriteAllText(Path.Combine(deadFolder, "rates.parquet"), "x");
        File.WriteAllText(live, "an upload in progress");
        try
        {
            LocalSpool.SweepDead("s3");

            Assert.False(File.Exists(dead));
            Assert.False(Directory.Exists(deadFolder));
            Assert.True(File.Exists(live));
        }
        finally
        {
            File.Delete(live);
        }
    }
}
