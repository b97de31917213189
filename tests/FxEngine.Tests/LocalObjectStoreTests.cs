using FxEngine.Storage;
using static FxEngine.Tests.TestData;

namespace FxEngine.Tests;

public class LocalObjectStoreTests
{
    [Fact]
    public async Task ListAsync_Prefix_KeysStartingWithIt_AsS3Lists()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.Sub("data/archive"));
        File.WriteAllText(dir.Sub("data/t.csv"), "x");
        File.WriteAllText(dir.Sub("data/t.csv.bak"), "y");
        File.WriteAllText(dir.Sub("data/archive/t.csv"), "z");
        var store = new LocalObjectStore(dir.Sub("data"));

        Assert.Equal(["t.csv", "t.csv.bak"], await KeysAsync(store, "t.csv"));
        Assert.Equal(["archive/t.csv"], await KeysAsync(store, "archive/"));
        Assert.Equal(["archive/t.csv"], await KeysAsync(store, "arch"));
    }
}
