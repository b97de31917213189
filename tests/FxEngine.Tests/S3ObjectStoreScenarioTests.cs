using System.Security.Cryptography;
using FxEngine.Storage;

namespace FxEngine.Tests;

/// <summary>The S3 object store against s3rver over the S3 REST API: bytes, listing, multipart, overwrite, move, delete.</summary>
[Collection(S3Collection.Name)]
public class S3ObjectStoreScenarioTests(S3rverFixture s3)
{
    private IObjectStore Store() => ObjectStore.Open($"s3://{S3rverFixture.Bucket}/store-{Guid.NewGuid():N}/");

    [Fact]
    public async Task WriteReadListOverwriteMoveDelete_BytesSurviveExactly()
    {
        Assert.NotNull(s3.Endpoint);
        var store = Store();
        var body = RandomNumberGenerator.GetBytes(100_000);
        await store.WriteAllAsync("a/one.bin", body);
        await using (var upload = await store.CreateAsync("a/two.bin"))
        {
            await upload.Stream.WriteAsync(body.AsMemory(0, 5_000));
            await upload.CommitAsync();
        }
        // An upload disposed without a commit publishes nothing.
        await using (var abandoned = await store.CreateAsync("a/abandoned.bin"))
            await abandoned.Stream.WriteAsync(body.AsMemory(0, 100));
        await store.WriteAllAsync("b/three.bin", "x"u8.ToArray());

        // Read back byte for byte: no aws-chunked framing may end up in the object.
        Assert.Equal(body, await ReadAsync(store, "a/one.bin"));
        Assert.Equal(body[..5_000], await ReadAsync(store, "a/two.bin"));
        var listed = await ToListAsync(store.ListAsync("a/"));
        Assert.Equal(["a/one.bin", "a/two.bin"], listed.Select(o => o.Key));
        Assert.Equal(100_000, listed[0].Size);
        // The write time in UTC (backfills tell a provisional rates copy by it), not shifted by a time zone.
        Assert.InRange(listed[0].LastModified!.Value, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1));
        // Equality stays key and size: a commit compares staged files with what a listing finds after a move.
        Assert.Equal(new ObjectInfo("a/one.bin", 100_000), listed[0]);

        await store.WriteAllAsync("a/one.bin", "replaced"u8.ToArray());
        Assert.Equal("replaced"u8.ToArray(), await ReadAsync(store, "a/one.bin"));

        await store.MoveAsync("a/two.bin", "c/two.bin");
        Assert.False(await store.ExistsAsync("a/two.bin"));
        Assert.Equal(body[..5_000], await ReadAsync(store, "c/two.bin"));

        await store.DeleteAsync("c/two.bin");
        await store.DeleteAsync("c/never-existed.bin");
        Assert.Equal(["a/one.bin", "b/three.bin"], (await ToListAsync(store.ListAsync(""))).Select(o => o.Key));
    }

    [Fact]
    public async Task Create_LargeObject_UploadsInPartsAndReadsBackIdentical()
    {
        var store = Store();
        var body = RandomNumberGenerator.GetBytes(13 * 1024 * 1024);
        var threshold = S3ObjectStore.MultipartThreshold;
        S3ObjectStore.MultipartThreshold = 5 * 1024 * 1024; // three parts: 5, 5, 3 MiB
        try
        {
            await using var upload = await store.CreateAsync("big/blob.bin");
            await upload.Stream.WriteAsync(body);
            await upload.CommitAsync();
        }
        finally
        {
            S3ObjectStore.MultipartThreshold = threshold;
        }
        Assert.Equal(SHA256.HashData(body), SHA256.HashData(await ReadAsync(store, "big/blob.bin")));
    }

    [Fact]
    public async Task OpenRead_SeeksAnywhere_ReadsTheRightBytes()
    {
        var store = Store();
        var body = RandomNumberGenerator.GetBytes(9 * 1024 * 1024 + 123);
        await store.WriteAllAsync("seek.bin", body);
        await using var stream = await store.OpenReadAsync("seek.bin");
        Assert.True(stream.CanSeek);
        Assert.Equal(body.Length, stream.Length);
        var random = new Random(5);
        foreach (var (offset, count) in new[] { (body.Length - 8, 8), (0, 4), (5_000_000, 6_000_000), (4 * 1024 * 1024 - 3, 10) }
                     .Concat(Enumerable.Range(0, 20).Select(_ => (random.Next(body.Length - 1000), random.Next(1, 1000)))))
        {
            stream.Seek(offset, SeekOrigin.Begin);
            var buffer = new byte[count];
            var read = 0;
            while (read < count && await stream.ReadAsync(buffer.AsMemory(read)) is var n and > 0)
                read += n;
            Assert.Equal(Math.Min(count, body.Length - offset), read);
            Assert.Equal(body.AsSpan(offset, read).ToArray(), buffer[..read]);
        }
    }

    [Fact]
    public async Task OpenRead_MissingObject_NamesTheObject()
    {
        var store = Store();
        var error = await Assert.ThrowsAsync<FxException>(() => store.OpenReadAsync("nope.json"));
        Assert.Contains("nope.json: S3 error 404", error.Message);
        Assert.DoesNotContain("S3RVER", error.Message);
    }

    private static async Task<byte[]> ReadAsync(IObjectStore store, string key)
    {
        await using var stream = await store.OpenReadAsync(key);
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    private static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (var item in items)
            list.Add(item);
        return list;
    }
}
