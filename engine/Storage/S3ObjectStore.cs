using System.Net;
using System.Runtime.CompilerServices;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace FxEngine.Storage;

/// <summary>
/// An object store under <c>s3://bucket/prefix</c>. Credentials and region come from the
/// standard AWS chain (environment, profile, instance role); <c>AWS_ENDPOINT_URL_S3</c> (or
/// <c>AWS_ENDPOINT_URL</c>) points it at an S3-compatible server with path-style addressing.
/// Reads are seekable streams of ranged GETs, since Parquet seeks to its footer and then to
/// the column chunks it needs; writes are staged locally and uploaded on commit, in parts above
/// <see cref="MultipartThreshold"/>. Objects appear whole or not at all.
/// </summary>
internal sealed partial class S3ObjectStore : IObjectStore
{
    /// <summary>Files at least this large upload in parts of this size (S3's minimum part is 5 MiB).</summary>
    public static int MultipartThreshold { get; set; } = 16 << 20;

    private readonly IAmazonS3 _s3;
    private readonly string _bucket;
    private readonly string _prefix;

    public S3ObjectStore(IAmazonS3 s3, string bucket, string prefix)
    {
        _s3 = s3;
        _bucket = bucket;
        _prefix = prefix.Length == 0 || prefix.EndsWith('/') ? prefix : prefix + "/";
    }

    public string Root => $"s3://{_bucket}/{_prefix}";

    public string Describe(string key) => $"s3://{_bucket}/{_prefix}{key}";

    /// <summary>Parses <c>s3://bucket/prefix</c> and builds a client from the environment.</summary>
    public static S3ObjectStore Open(string location)
    {
        var rest = location["s3://".Length..];
        var slash = rest.IndexOf('/');
        var bucket = slash < 0 ? rest : rest[..slash];
        if (bucket.Length == 0)
            throw new FxException($"{location}: no bucket; use s3://bucket/prefix");
        return new S3ObjectStore(Client(location), bucket, slash < 0 ? "" : rest[(slash + 1)..]);
    }

    private static AmazonS3Client Client(string location)
    {
        var config = new AmazonS3Config
        {
            // Only checksum when S3 requires it: S3-compatible servers reject the trailing
            // checksums of aws-chunked uploads.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            MaxErrorRetry = 5,
        };
        var endpoint = Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL_S3") ?? Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL");
        if (!string.IsNullOrWhiteSpace(endpoint))
        {
            config.ServiceURL = endpoint;
            config.ForcePathStyle = true;
            config.AuthenticationRegion = Environment.GetEnvironmentVariable("AWS_REGION") ?? "us-east-1";
        }
        try
        {
            return new AmazonS3Client(config);
        }
        catch (AmazonClientException ex)
        {
            // The SDK validates its configuration here; the usual cause is that no region was
            // found anywhere in the chain, which is a setting to fix, not a crash.
            throw new FxException($"{location}: cannot set up the S3 client ({ex.Message}); set AWS_REGION "
                + "(or AWS_PROFILE naming a profile with a region), or AWS_ENDPOINT_URL_S3 for an S3-compatible server", ex);
        }
    }

    public async IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var request = new ListObjectsV2Request { BucketName = _bucket, Prefix = _prefix + prefix };
        do
        {
            var page = await Call(() => _s3.ListObjectsV2Async(request, cancellationToken), Root).ConfigureAwait(false);
            foreach (var entry in page.S3Objects ?? [])
                if (!entry.Key.EndsWith('/'))
                    yield return new ObjectInfo(entry.Key[_prefix.Length..], entry.Size ?? 0, entry.ETag ?? "")
                    {
                        LastModified = entry.LastModified is { } modified ? new DateTimeOffset(modified.ToUniversalTime(), TimeSpan.Zero) : null,
                    };
            request.ContinuationToken = page.NextContinuationToken;
        }
        while (!string.IsNullOrEmpty(request.ContinuationToken));
    }

    public async Task<bool> ExistsAsync(string key, CancellationToken cancellationToken = default)
    {
        try
        {
            await _s3.GetObjectMetadataAsync(_bucket, _prefix + key, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
        catch (AmazonS3Exception ex)
        {
            throw new FxException($"{Describe(key)}: S3 error {(int)ex.StatusCode} {ex.ErrorCode}: {ex.Message}", ex);
        }
    }

    public async Task<byte[]?> TryReadAllAsync(string key, CancellationToken cancellationToken = default)
    {
        try
        {
            return await Call(async () =>
            {
                using var response = await _s3.GetObjectAsync(_bucket, _prefix + key, cancellationToken).ConfigureAwait(false);
                using var bytes = new MemoryStream();
                await response.ResponseStream.CopyToAsync(bytes, cancellationToken).ConfigureAwait(false);
                return bytes.ToArray();
            }, Describe(key)).ConfigureAwait(false);
        }
        catch (FxException ex) when (ex.InnerException is AmazonS3Exception { StatusCode: HttpStatusCode.NotFound })
        {
            return null;
        }
    }

    /// <summary>
    /// A seekable stream that fetches byte ranges on demand (a Parquet reader reads the footer,
    /// then only the column chunks it needs), so no object is downloaded whole or twice.
    /// </summary>
    public async Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken = default)
    {
        var metadata = await Call(() => _s3.GetObjectMetadataAsync(_bucket, _prefix + key, cancellationToken), Describe(key)).ConfigureAwait(false);
        return new RangeReadStream(this, key, metadata.ContentLength);
    }

    private async Task<byte[]> ReadRangeAsync(string key, long start, int count, CancellationToken cancellationToken)
    {
        var request = new GetObjectRequest { BucketName = _bucket, Key = _prefix + key, ByteRange = new ByteRange(start, start + count - 1) };
        using var response = await Call(() => _s3.GetObjectAsync(request, cancellationToken), Describe(key)).ConfigureAwait(false);
        var bytes = new byte[count];
        await response.ResponseStream.ReadExactlyAsync(bytes, cancellationToken).ConfigureAwait(false);
        return bytes;
    }

    public Task<IObjectUpload> CreateAsync(string key, CancellationToken cancellationToken = default, bool staged = false) =>
        Task.FromResult<IObjectUpload>(new UploadOnCommit(this, key, TempFile()));

    public Task WriteAllAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default) =>
        Call(() => _s3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = _bucket, Key = _prefix + key, InputStream = new MemoryStream(content.ToArray()), UseChunkEncoding = false,
        }, cancellationToken), Describe(key));

    public async Task MoveAsync(string fromKey, string toKey, CancellationToken cancellationToken = default)
    {
        try
        {
            await _s3.CopyObjectAsync(_bucket, _prefix + fromKey, _bucket, _prefix + toKey, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception ex) when (ex.ErrorCode == "NoSuchBucket")
        {
            // Some S3-compatible servers (s3rver among them) misread the URL-encoded copy source
            // and report our own bucket missing; copy through this process instead.
            await using var source = await OpenReadAsync(fromKey, cancellationToken).ConfigureAwait(false);
            await Call(() => _s3.PutObjectAsync(new PutObjectRequest
            {
                BucketName = _bucket, Key = _prefix + toKey, InputStream = source, UseChunkEncoding = false,
            }, cancellationToken), Describe(toKey)).ConfigureAwait(false);
        }
        catch (AmazonS3Exception ex)
        {
            throw new FxException($"{Describe(fromKey)}: S3 error {(int)ex.StatusCode} {ex.ErrorCode} copying to {Describe(toKey)}: {ex.Message}", ex);
        }
        await DeleteAsync(fromKey, cancellationToken).ConfigureAwait(false);
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken = default) =>
        Call(() => _s3.DeleteObjectAsync(_bucket, _prefix + key, cancellationToken), Describe(key));

    public Task FlushAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task FlushAllAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    /// <summary>Uploads a local file: one PUT when small, a multipart upload when large (aborted on failure).</summary>
    private async Task UploadAsync(string key, string path, CancellationToken cancellationToken)
    {
        var length = new FileInfo(path).Length;
        if (length < MultipartThreshold)
        {
            await Call(() => _s3.PutObjectAsync(new PutObjectRequest
            {
                BucketName = _bucket, Key = _prefix + key, FilePath = path, UseChunkEncoding = false,
            }, cancellationToken), Describe(key)).ConfigureAwait(false);
            return;
        }

        var upload = await Call(() => _s3.InitiateMultipartUploadAsync(_bucket, _prefix + key, cancellationToken), Describe(key)).ConfigureAwait(false);
        try
        {
            var parts = new List<PartETag>();
            for (long offset = 0, number = 1; offset < length; offset += MultipartThreshold, number++)
            {
                var part = await Call(() => _s3.UploadPartAsync(new UploadPartRequest
                {
                    BucketName = _bucket, Key = _prefix + key, UploadId = upload.UploadId, PartNumber = (int)number,
                    FilePath = path, FilePosition = offset, PartSize = Math.Min(MultipartThreshold, length - offset), UseChunkEncoding = false,
                }, cancellationToken), Describe(key)).ConfigureAwait(false);
                parts.Add(new PartETag((int)number, part.ETag));
            }
            await Call(() => _s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
            {
                BucketName = _bucket, Key = _prefix + key, UploadId = upload.UploadId, PartETags = parts,
            }, cancellationToken), Describe(key)).ConfigureAwait(false);
        }
        catch
        {
            // The upload's own error is the one to report. An abort that fails too leaves parts only
            // the bucket's lifecycle rule removes (deploy/s3/lifecycle.json): S3 lists no unfinished upload.
            try
            {
                await _s3.AbortMultipartUploadAsync(_bucket, _prefix + key, upload.UploadId, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception abort) when (abort is AmazonServiceException or AmazonClientException or HttpRequestException)
            {
            }
            throw;
        }
    }

    /// <summary>S3 errors become user errors naming the object and S3's error code; credentials never appear.</summary>
    internal static async Task<T> Call<T>(Func<Task<T>> call, string location)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (AmazonS3Exception ex)
        {
            throw new FxException($"{location}: S3 error {(int)ex.StatusCode} {ex.ErrorCode}: {ex.Message}", ex);
        }
        catch (AmazonServiceException ex)
        {
            throw new FxException($"{location}: S3 request failed: {ex.Message}", ex);
        }
        catch (AmazonClientException ex)
        {
            throw new FxException($"{location}: S3 client error: {ex.Message}", ex);
        }
    }

    private static string TempFile() => LocalSpool.NewPath("s3", ".tmp");

    public Task SweepAsync(CancellationToken cancellationToken = default)
    {
        LocalSpool.SweepDead("s3");
        return Task.CompletedTask;
    }
}
