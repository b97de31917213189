namespace FxEngine.Storage;

/// <summary>The streams behind reads (ranged GETs) and writes (a local spool uploaded on commit).</summary>
internal sealed partial class S3ObjectStore
{
    /// <summary>Reads an object through ranged GETs, a block at a time (larger reads fetch exactly what they ask).</summary>
    private sealed class RangeReadStream(S3ObjectStore store, string key, long length) : Stream
    {
        private const int BlockSize = 4 << 20;
        private byte[] _block = [];
        private long _blockStart;
        private long _position;

        public override bool CanRead => true;
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Length => length;

        public override long Position
        {
            get => _position;
            set => _position = value is >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_position >= length || buffer.Length == 0)
                return 0;
            var count = (int)Math.Min(buffer.Length, length - _position);
            if (_position < _blockStart || _position + count > _blockStart + _block.Length)
            {
                var fetch = (int)Math.Min(Math.Max(count, BlockSize), length - _position);
                _block = await store.ReadRangeAsync(key, _position, fetch, cancellationToken).ConfigureAwait(false);
                _blockStart = _position;
            }
            _block.AsMemory((int)(_position - _blockStart), count).CopyTo(buffer);
            _position += count;
            return count;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) =>
            ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => length + offset,
        };

        public override void Flush() { }
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>A local file that the commit uploads; a dispose without a commit uploads nothing.</summary>
    private sealed class UploadOnCommit(S3ObjectStore store, string key, string path) : IObjectUpload
    {
        private readonly UploadFile _file = new(path, store.Describe(key));

        public Stream Stream => _file;

        public async Task CommitAsync(CancellationToken cancellationToken = default)
        {
            await _file.DisposeAsync().ConfigureAwait(false);
            await store.UploadAsync(key, path, cancellationToken).ConfigureAwait(false);
        }

        public ValueTask DisposeAsync() => _file.DiscardAsync();
    }
}
