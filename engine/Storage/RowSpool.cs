namespace FxEngine.Storage;

/// <summary>
/// Serialized rows waiting for their row group: appended by one writer, read and released by
/// any thread. The newest bytes stay in fixed-size memory blocks, at most <c>memoryBytes</c> of
/// them; past that the oldest block still holding a live record moves to a local spill file. A
/// block whose records are all released goes back to this spool's free list, not to the GC (until
/// appends end): rows that wait are bytes in blocks the spool reuses, not objects that grow old in the
/// collector's older generations and stay there, dead, until a full collection. So memory for
/// waiting rows is exactly the blocks held, whatever the input size.
/// </summary>
internal sealed class RowSpool(long memoryBytes, string? spillDirectory = null) : IDisposable
{
    /// <summary>Where one appended record is (its offset counts across all the spool's blocks).</summary>
    public readonly record struct Record(long Offset, int Length);

    private sealed class Block(byte[] bytes)
    {
        /// <summary>Null once the block is on file or released.</summary>
        public byte[]? Bytes = bytes;
        public long FileOffset = -1;
        public int LiveRecords;
    }

    private readonly int _blockSize = BlockSize(memoryBytes);
    private readonly List<Block> _blocks = [];
    private readonly Queue<int> _inMemory = new();
    private readonly Stack<byte[]> _free = new();
    private readonly Lock _gate = new();
    private SpillFile? _file;
    private bool _appendsEnded;
    private int _tail = -1; // the block being filled; -1: the next append opens one
    private int _tailUsed;
    private long _memory;

    /// <summary>Bytes of memory blocks held now (filled or not): at most the budget after every <see cref="Append"/>.</summary>
    public long MemoryBytes { get { lock (_gate) return _memory; } }

    /// <summary>Bytes moved to the spill file so far.</summary>
    public long SpilledBytes => _file?.Length ?? 0;

    /// <summary>What an error about the spool names.</summary>
    public string Name => _file?.Path ?? "the in-memory row spool";

    /// <summary>
    /// Blocks of whole 4 KiB pages, at most a sixteenth of the budget (so one partly filled block
    /// never fills it alone) and at most 255 pages: writes of exactly 1 MiB at 1 MiB offsets had
    /// ext4 (Linux 6.18) fill the file in 1 MiB page-cache folios, which took 2.1 s for 1.2 GB on
    /// the benchmark VM where 255-page writes took 0.25 s (benchmarks/README.md).
    /// </summary>
    private static int BlockSize(long budget) => (int)Math.Clamp(budget / 16 / 4096, 1, 255) * 4096;

    /// <summary>Copies <paramref name="bytes"/> in; returns the record to read and release them by.</summary>
    public Record Append(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
            throw new ArgumentException("a record holds at least one byte", nameof(bytes));
        lock (_gate)
        {
            if (_appendsEnded)
                throw new InvalidOperationException("the spool takes no more records");
            if (_tail < 0 || _tailUsed == _blockSize)
                OpenBlock();
            var record = new Record((long)_tail * _blockSize + _tailUsed, bytes.Length);
            while (true)
            {
                var block = _blocks[_tail];
                var piece = Math.Min(bytes.Length, _blockSize - _tailUsed);
                bytes[..piece].CopyTo(block.Bytes.AsSpan(_tailUsed));
                block.LiveRecords++;
                _tailUsed += piece;
                bytes = bytes[piece..];
                if (bytes.IsEmpty)
                    break;
                OpenBlock();
            }
            while (_memory > memoryBytes && EvictOldest())
            {
            }
            return record;
        }
    }

    /// <summary>Copies a record's bytes from <paramref name="offset"/> on into <paramref name="into"/>; the record must not be released yet.</summary>
    public void Read(Record record, int offset, Span<byte> into)
    {
        if (offset < 0 || offset > record.Length - into.Length)
            throw new ArgumentOutOfRangeException(nameof(offset), $"{into.Length} bytes from {offset} lie outside a record of {record.Length}");
        List<(long FileOffset, int Into, int Length)>? onFile = null;
        var at = record.Offset + offset;
        lock (_gate)
        {
            for (var done = 0; done < into.Length;)
            {
                var (index, start) = ((int)(at / _blockSize), (int)(at % _blockSize));
                var piece = Math.Min(into.Length - done, _blockSize - start);
                var block = _blocks[index];
                if (block.Bytes is { } bytes)
                    bytes.AsSpan(start, piece).CopyTo(into[done..]);
                else if (block.FileOffset >= 0)
                    (onFile ??= []).Add((block.FileOffset + start, done, piece));
                else
                    throw new InvalidOperationException($"{Name}: a released record was read");
                (done, at) = (done + piece, at + piece);
            }
        }
        if (onFile is null)
            return;
        // Bytes on file never change, so they are read without holding up appends.
        foreach (var (fileOffset, start, length) in onFile)
            _file!.Read(fileOffset, into.Slice(start, length));
    }

    /// <summary>Gives up a record once read for good: its blocks go back to the free list when no other record needs them.</summary>
    public void Release(Record record)
    {
        lock (_gate)
        {
            var last = (int)((record.Offset + record.Length - 1) / _blockSize);
            for (var index = (int)(record.Offset / _blockSize); index <= last; index++)
            {
                var block = _blocks[index];
                if (--block.LiveRecords > 0)
                    continue;
                if (index == _tail)
                    _tail = -1; // nothing of it is needed: the next append starts a fresh block
                if (block.Bytes is { } bytes)
                    FreeBlock(block, bytes);
            }
        }
    }

    /// <summary>
    /// Says no record will be appended any more: blocks freed from now on go back to the GC
    /// instead of the free list (no append would reuse them), and the free list goes now, so the
    /// encoding of the last row groups can have that memory.
    /// </summary>
    public void EndAppends()
    {
        lock (_gate)
        {
            _appendsEnded = true;
            _free.Clear();
        }
    }

    /// <summary>Deletes the spill file; the blocks go with the spool.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _file?.Dispose();
            _blocks.Clear();
            _inMemory.Clear();
            _free.Clear();
            _memory = 0;
        }
    }

    private void OpenBlock()
    {
        _blocks.Add(new Block(_free.TryPop(out var reused) ? reused : new byte[_blockSize]));
        _tail = _blocks.Count - 1;
        _tailUsed = 0;
        _inMemory.Enqueue(_tail);
        _memory += _blockSize;
    }

    /// <summary>Moves the oldest block in memory but the one being filled to the spill file (or just frees it when nothing in it is live); false when there is none.</summary>
    private bool EvictOldest()
    {
        while (_inMemory.TryPeek(out var index) && index != _tail)
        {
            _inMemory.Dequeue();
            var block = _blocks[index];
            if (block.Bytes is not { } bytes)
                continue; // released already
            if (block.LiveRecords > 0)
            {
                _file ??= new SpillFile(spillDirectory);
                block.FileOffset = _file.Append(bytes);
            }
            FreeBlock(block, bytes);
            return true;
        }
        return false;
    }

    private void FreeBlock(Block block, byte[] bytes)
    {
        block.Bytes = null;
        _memory -= _blockSize;
        if (!_appendsEnded)
            _free.Push(bytes);
    }
}
