using FxEngine.Storage;
using Parquet;
using Parquet.Schema;

namespace FxEngine.Sources.Transactions;

/// <summary>
/// Writes realistic raw transactions as Parquet: txn_id, txn_date (DATE), currency, amount
/// (DECIMAL(18,2)), and pass-through merchant and channel columns. The currency mix leans on
/// SGD, USD and regional currencies; about 1% of codes come lower-case or padded (still
/// valid), and a small share must be rejected: unknown codes (0.3%), malformed codes (0.1%)
/// and missing amounts (0.2%).
/// </summary>
public static class TransactionGenerator
{
    private static readonly (string Code, int Weight, decimal TypicalAmount)[] Mix =
    [
        ("SGD", 22, 80m), ("USD", 18, 60m), ("EUR", 9, 55m), ("MYR", 7, 250m), ("IDR", 6, 900_000m),
        ("CNY", 5, 400m), ("JPY", 5, 8_000m), ("INR", 5, 4_500m), ("GBP", 4, 45m), ("AUD", 4, 90m),
        ("HKD", 3, 450m), ("THB", 3, 2_000m), ("PHP", 2, 3_000m), ("KRW", 2, 70_000m), ("VND", 2, 1_200_000m),
        ("KWD", 1, 20m), ("BHD", 1, 22m),
    ];

    private const string Phase = "generating";

    private static readonly string[] Unknown = ["ZZZ", "ABC", "XYZ"];
    private static readonly string[] Malformed = ["US$", "EURO", "", "S G"];
    private static readonly string[] Merchants = ["GrabFood", "Shopee", "Lazada", "Amazon", "Uniqlo", "Starbucks", "Apple", "Agoda", "Singapore Airlines", "IKEA"];
    private static readonly string[] Channels = ["card", "online", "bank_transfer", "wallet"];

    internal static ParquetSchema Schema { get; } = new(
        new DataField<string>("txn_id", nullable: false),
        new DataField<DateOnly>("txn_date", nullable: false),
        new DataField<string>("currency", nullable: true),
        new DecimalDataField("amount", 18, 2, isNullable: true),
        new DataField<string>("merchant", nullable: true),
        new DataField<string>("channel", nullable: true));

    /// <summary>Writes the files and returns their paths.</summary>
    public static async Task<IReadOnlyList<string>> WriteAsync(GenerateOptions options, IProgress<PhaseProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        options.Validate();
        var store = ObjectStore.Open(options.Output);
        await RefuseExistingInputAsync(store, cancellationToken).ConfigureAwait(false);
        var random = new Random(options.Seed);
        var days = options.LastDate.DayNumber - options.FirstDate.DayNumber + 1;
        var totalWeight = Mix.Sum(m => m.Weight);
        var files = new List<string>();
        long written = 0;
        for (var file = 0; written < options.Rows; file++)
        {
            var key = $"transactions-{file:D5}.parquet";
            await using var upload = await store.CreateAsync(key, cancellationToken).ConfigureAwait(false);
            await using (var writer = await ParquetWriter.CreateAsync(Schema, upload.Stream, new ParquetOptions { CompressionMethod = CompressionMethod.Snappy }, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                var fileRows = Math.Min(options.RowsPerFile, options.Rows - written);
                for (long done = 0; done < fileRows;)
                {
                    var rows = (int)Math.Min(options.RowGroupRows, fileRows - done);
                    await WriteRowGroupAsync(writer, random, written + done, rows, options.FirstDate, days, totalWeight, progress, options.Rows, cancellationToken).ConfigureAwait(false);
                    done += rows;
                    progress?.Report(new PhaseProgress(Phase, written + done, options.Rows, "rows"));
                }
                written += fileRows;
            }
            // Only a complete file is published: an interrupted run leaves no short file behind.
            await upload.CommitAsync(cancellationToken).ConfigureAwait(false);
            files.Add(store.Describe(key));
        }
        return files;
    }

    /// <summary>
    /// Normalization reads every input file in a folder, so writing a data set next to another
    /// (a larger earlier run leaves files this one does not overwrite) would silently mix them.
    /// </summary>
    private static async Task RefuseExistingInputAsync(IObjectStore store, CancellationToken cancellationToken)
    {
        var existing = new List<string>();
        await foreach (var info in store.ListAsync("", cancellationToken).ConfigureAwait(false))
            if (InputDiscovery.FormatOf(info.Key) is not null)
                existing.Add(info.Key);
        if (existing.Count > 0)
            throw new FxException($"{store.Root}: already holds {existing.Count} Parquet/CSV input file(s) ({string.Join(", ", existing.Take(3))}{(existing.Count > 3 ? ", ..." : "")}), "
                + "which would mix with the generated ones; choose an empty folder for --out, or delete those files first");
    }

    private static async Task WriteRowGroupAsync(ParquetWriter writer, Random random, long firstId, int rows,
        DateOnly firstDate, int days, int totalWeight, IProgress<PhaseProgress>? progress, long totalRows, CancellationToken cancellationToken)
    {
        var ids = new string[rows];
        var dates = new DateOnly[rows];
        var currencies = new string?[rows];
        var amounts = new decimal?[rows];
        var merchants = new string?[rows];
        var channels = new string?[rows];
        for (var i = 0; i < rows; i++)
        {
            ids[i] = $"TXN{firstId + i + 1:D12}";
            dates[i] = firstDate.AddDays(random.Next(days));
            var (code, typical) = Pick(random, totalWeight);
            var roll = random.NextDouble();
            currencies[i] = roll switch
            {
                < 0.003 => Unknown[random.Next(Unknown.Length)],
                < 0.004 => Malformed[random.Next(Malformed.Length)],
                < 0.009 => code.ToLowerInvariant(),
                < 0.014 => $" {code} ",
                _ => code,
            };
            // Log-normal spend around the currency's typical ticket, in whole units for JPY-like currencies.
            var scale = Math.Exp(random.NextDouble() * 2.5 - 1.0);
            var minor = Transforms.Currency.Iso4217.MinorUnits(code) ?? 2;
            var amount = Math.Round(typical * (decimal)scale, Math.Min(minor, 2));
            amounts[i] = random.NextDouble() < 0.002 ? null : (random.NextDouble() < 0.03 ? -amount : amount);
            merchants[i] = Merchants[random.Next(Merchants.Length)];
            channels[i] = Channels[random.Next(Channels.Length)];
            // A row group takes a while to build: report within it, not only once it is written.
            if ((i & 0xFFFF) == 0xFFFF)
                progress?.Report(new PhaseProgress(Phase, firstId + i + 1, totalRows, "rows"));
        }

        using var group = writer.CreateRowGroup();
        var fields = Schema.GetDataFields();
        await group.WriteAsync(fields[0], ids, null).ConfigureAwait(false);
        await group.WriteAsync<DateOnly>(fields[1], dates.AsMemory(), null, null, cancellationToken).ConfigureAwait(false);
        await group.WriteAsync(fields[2], (IReadOnlyCollection<string>)currencies!, null).ConfigureAwait(false);
        await group.WriteAsync<decimal>(fields[3], new ReadOnlyMemory<decimal?>(amounts), null, null, cancellationToken).ConfigureAwait(false);
        await group.WriteAsync(fields[4], (IReadOnlyCollection<string>)merchants!, null).ConfigureAwait(false);
        await group.WriteAsync(fields[5], (IReadOnlyCollection<string>)channels!, null).ConfigureAwait(false);
        group.CompleteValidate();
    }

    private static (string Code, decimal Typical) Pick(Random random, int totalWeight)
    {
        var ticket = random.Next(totalWeight);
        foreach (var (code, weight, typical) in Mix)
        {
            if (ticket < weight)
                return (code, typical);
            ticket -= weight;
        }
        throw new InvalidOperationException("unreachable: weights cover every ticket");
    }
}
