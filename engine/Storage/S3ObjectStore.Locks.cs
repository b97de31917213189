using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using FxEngine.Storage.Locks;

namespace FxEngine.Storage;

/// <summary>The lease object of <see cref="S3LeaseLock"/>, read and written with S3's conditional requests.</summary>
internal sealed partial class S3ObjectStore
{
    private const string LockKey = "_fxengine/lock.json";
    private Task<bool>? _conditionalWrites;

    public Task<LockAttempt> TryLockAsync(LockHolder holder, CancellationToken cancellationToken = default) =>
        S3LeaseLock.TryAcquireAsync(this, holder, cancellationToken);

    /// <summary>The lease and its ETag, or null when there is none; an unreadable lease has a null holder.</summary>
    internal async Task<(LockHolder? Holder, string ETag)?> ReadLockAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await GetLockAsync(checkedAgainstETag: true, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not (AmazonServiceException or OperationCanceledException) && attempt < TornReadAttempts)
            {
                // A server without atomic writes (s3rver) serves a lease a contender is rewriting
                // half old, half new: the SDK refuses its checksum or headers, or the body ends
                // short. Read it again once written. It is not taken as an unreadable lease: over a
                // conditional write that would take over a live one.
                await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt), cancellationToken).ConfigureAwait(false);
            }
            catch (AmazonClientException ex)
            {
                // Two writes that met on such a server can leave one's body under the other's
                // ETag for good (s3rver stores the two apart), and the SDK refuses every read of it.
                // The body is what every reader is served, and without conditional writes nothing
                // is conditioned on the ETag: read the lease without the SDK's check.
                if (await HonoursConditionalWritesAsync(cancellationToken).ConfigureAwait(false))
                    throw LockReadFailed(ex);
                return await ReadUncheckedLockAsync(ex, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                throw LockReadFailed(ex);
            }
        }
    }

    /// <summary>The error for a lease that cannot be read; <paramref name="before"/>: the checked read's failure, when the unchecked one failed too.</summary>
    private FxException LockReadFailed(Exception ex, Exception? before = null)
    {
        var earlier = before is null ? "" : $" (before that: {before.Message})";
        return new FxException($"{Describe(LockKey)}: reading the run lock failed: {ex.Message}{earlier}", ex);
    }

    /// <summary>
    /// The lease as its body says, for a server without conditional writes whose lease fails
    /// every checked read. A body naming no holder is read again a few times: one a contender is
    /// still writing names its holder once written; one that stays torn (two writes interleaved)
    /// holds no one, and reads as an unreadable lease, which a run may take over.
    /// </summary>
    private async Task<(LockHolder? Holder, string ETag)?> ReadUncheckedLockAsync(Exception checkedFailure, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            (LockHolder? Holder, string ETag)? body;
            try
            {
                body = await GetLockAsync(checkedAgainstETag: false, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                throw LockReadFailed(ex, checkedFailure);
            }
            if (body is not { Holder: null } || attempt == TornReadAttempts)
                return body;
            await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads of a lease whose body fails the SDK's checks before the failure is reported.</summary>
    private const int TornReadAttempts = 4;

    /// <summary>A lease is a few hundred bytes; a read of this many serves all of it.</summary>
    private const long MaxLeaseBytes = 1 << 20;

    /// <summary>One read of the lease, or null when there is none.</summary>
    private async Task<(LockHolder? Holder, string ETag)?> GetLockAsync(bool checkedAgainstETag, CancellationToken cancellationToken)
    {
        // The SDK checks a whole-object read against its ETag (an MD5); a range read it does not.
        var request = new GetObjectRequest { BucketName = _bucket, Key = _prefix + LockKey, ByteRange = checkedAgainstETag ? null : new ByteRange(0, MaxLeaseBytes - 1) };
        try
        {
            using var response = await _s3.GetObjectAsync(request, cancellationToken).ConfigureAwait(false);
            using var body = new MemoryStream();
            await response.ResponseStream.CopyToAsync(body, cancellationToken).ConfigureAwait(false);
            return (LockHolder.FromJson(body.ToArray()), response.ETag);
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>
    /// Writes the lease: <paramref name="ifMatch"/> null writes unconditionally, "" only if no
    /// lease exists, an ETag only over that exact lease. Returns the new ETag, or null when the
    /// condition failed (someone else's lease is there).
    /// </summary>
    internal async Task<string?> PutLockAsync(byte[] content, string? ifMatch, CancellationToken cancellationToken)
    {
        var request = new PutObjectRequest
        {
            BucketName = _bucket, Key = _prefix + LockKey, InputStream = new MemoryStream(content), UseChunkEncoding = false,
            ContentType = "application/json",
        };
        if (ifMatch is { Length: 0 })
            request.IfNoneMatch = "*";
        else if (ifMatch is not null)
            request.IfMatch = ifMatch;
        try
        {
            return (await _s3.PutObjectAsync(request, cancellationToken).ConfigureAwait(false)).ETag;
        }
        catch (AmazonS3Exception ex) when (Conflict(ex))
        {
            return null;
        }
        catch (AmazonClientException) when (ifMatch is null)
        {
            // Without conditional writes contenders may write the lease at the same moment, and a
            // server that interleaves them answers with a body that fails the SDK's checks: a lost race.
            return null;
        }
        catch (Exception ex) when (ex is AmazonServiceException or AmazonClientException or HttpRequestException or IOException)
        {
            throw new FxException($"{Describe(LockKey)}: writing the run lock failed: {ex.Message}", ex);
        }
    }

    /// <summary>Deletes the lease if it is still <paramref name="runId"/>'s; a failure leaves it to expire.</summary>
    internal async Task DeleteLockAsync(string? etag, string runId)
    {
        try
        {
            await DeleteOwnLockAsync(etag, runId).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is FxException or AmazonServiceException or AmazonClientException or HttpRequestException or IOException)
        {
            // The lease expires by itself.
        }
    }

    private async Task DeleteOwnLockAsync(string? etag, string runId)
    {
        if (etag is null && (await ReadLockAsync(CancellationToken.None).ConfigureAwait(false))?.Holder?.RunId != runId)
            return;
        var request = new DeleteObjectRequest { BucketName = _bucket, Key = _prefix + LockKey };
        if (etag is not null)
            request.IfMatch = etag;
        try
        {
            await _s3.DeleteObjectAsync(request).ConfigureAwait(false);
        }
        catch (AmazonS3Exception ex) when (Conflict(ex))
        {
            // Already someone else's.
        }
    }

    /// <summary>
    /// Whether the server refuses <c>If-None-Match: *</c> over an existing object, asked once
    /// per store: S3 does; some S3-compatible servers (s3rver) ignore the header.
    /// </summary>
    internal Task<bool> HonoursConditionalWritesAsync(CancellationToken cancellationToken) =>
        _conditionalWrites ??= ProbeAsync(cancellationToken);

    private async Task<bool> ProbeAsync(CancellationToken cancellationToken)
    {
        // A key of this probe's own: concurrent runs never write the same object.
        var probe = $"_fxengine/conditional-write-probe-{Guid.NewGuid():N}";
        await WriteAllAsync(probe, "{}"u8.ToArray(), cancellationToken).ConfigureAwait(false);
        try
        {
            await _s3.PutObjectAsync(new PutObjectRequest
            {
                BucketName = _bucket, Key = _prefix + probe, InputStream = new MemoryStream("{}"u8.ToArray()), UseChunkEncoding = false, IfNoneMatch = "*",
            }, cancellationToken).ConfigureAwait(false);
            return false;
        }
        catch (AmazonS3Exception ex) when (Conflict(ex))
        {
            return true;
        }
        catch (AmazonS3Exception ex) when ((int)ex.StatusCode is (>= 400 and < 500) or 501)
        {
            return false; // the server does not understand the condition: it has no conditional writes
        }
        finally
        {
            await DeleteAsync(probe, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static bool Conflict(AmazonS3Exception ex) =>
        ex.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.Conflict;
}
