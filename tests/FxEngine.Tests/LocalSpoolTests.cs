using System.Diagnostics;
using FxEngine.Storage;

namespace FxEngine.Tests;

/// <summary>
/// What a killed process on this host left in the temp folder goes; a live process's files stay,
/// and so do recent ones of another host (a container sharing the folder, whose pids mean nothing here).
/// </summary>
public class LocalSpoolTests
{
    [Fact]
    public async Task SweepDead_DeadAndLiveOwners_RemovesOnlyTheDeadOnes()
    {
        using var exited = Process.Start("true")!;
        await exited.WaitForExitAsync();
        var live = LocalSpool.NewPath("s3", ".tmp");
        var host = Path.GetFileName(live).Split('-')[3];
        var dead = Path.Combine(Path.GetTempPath(), $"fxengine-s3-{exited.Id}-{host}-{Guid.NewGuid():N}.tmp");
        var deadFolder = Path.Combine(Path.GetTempPath(), $"fxengine-s3-{exited.Id}-{host}-{Guid.NewGuid():N}");
        var otherHost = Path.Combine(Path.GetTempPath(), $"fxengine-s3-{exited.Id}-otherhost-{Guid.NewGuid():N}.tmp");
        File.WriteAllText(otherHost, "a live upload in another container");
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
            Assert.True(File.Exists(otherHost));
        }
        finally
        {
            File.Delete(live);
            File.Delete(otherHost);
        }
    }
}
