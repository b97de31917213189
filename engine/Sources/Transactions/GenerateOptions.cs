namespace FxEngine.Sources.Transactions;

/// <summary>Settings of <see cref="TransactionGenerator"/>, immutable; <see cref="Validate"/> changes nothing.</summary>
public sealed record GenerateOptions
{
    /// <summary>Rows to write. Required, at least 1.</summary>
    public long Rows { get; init; }

    /// <summary>Folder to write <c>transactions-NNNNN.parquet</c> files into. Required.</summary>
    public string Output { get; init; } = "";

    /// <summary>First transaction date. Default: 90 days before <see cref="To"/>.</summary>
    public DateOnly? From { get; init; }

    /// <summary>Last transaction date. Default: yesterday (UTC).</summary>
    public DateOnly? To { get; init; }

    /// <summary>Seed of the random generator: the same seed gives the same files. Default 42.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Rows per file. Default 1,000,000.</summary>
    public int RowsPerFile { get; init; } = 1_000_000;

    /// <summary>Rows per row group. Default 250,000.</summary>
    public int RowGroupRows { get; init; } = 250_000;

    public DateOnly LastDate => To ?? DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-1);
    public DateOnly FirstDate => From ?? LastDate.AddDays(-89);

    public void Validate()
    {
        if (Rows < 1)
            throw FxException.InvalidOption($"--rows {Rows} must be at least 1");
        if (string.IsNullOrWhiteSpace(Output))
            throw FxException.InvalidOption("--out is required: the folder to write transactions into");
        if (FirstDate > LastDate)
            throw FxException.InvalidOption($"--from {FirstDate:yyyy-MM-dd} is after --to {LastDate:yyyy-MM-dd}");
        if (RowsPerFile < 1)
            throw FxException.InvalidOption($"--rows-per-file {RowsPerFile} must be at least 1");
        if (RowGroupRows < 1)
            throw FxException.InvalidOption($"--row-group-rows {RowGroupRows} must be at least 1");
    }
}
