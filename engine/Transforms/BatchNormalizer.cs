using System.Buffers;
using System.Runtime.InteropServices;
using Parquet.Schema;
using FxEngine.Data;
using FxEngine.Transforms.Currency;

namespace FxEngine.Transforms;

/// <summary>
/// The probe side of the broadcast join: converts each row of a batch with the shared
/// <see cref="RateTable"/>, appends the code used, amount, rate, rate date and status, and routes
/// the rows that cannot be converted to the rejects with their reason and the offending value.
/// Both drop the input's <c>txn_date</c> column, which the partition folder holds. Stateless, so
/// one instance serves every worker.
/// </summary>
internal sealed class BatchNormalizer
{
    private const string RateColumn = OutputSchema.RateColumn;
    private const string RateDateColumn = OutputSchema.RateDateColumn;
    private const string StatusColumn = OutputSchema.StatusColumn;
    private const string ReasonColumn = OutputSchema.ReasonColumn;
    private const string PartitionColumn = OutputSchema.PartitionColumn;
    private const int AmountPrecision = OutputSchema.AmountPrecision;

    /// <summary>
    /// Rows per window of <see cref="Partitions"/>, at least the job's slices: a day gets one chunk
    /// per window. A window bounds the split's per-row scratch when a whole batch is normalized at
    /// once (the stream).
    /// </summary>
    private const int WindowRows = 65_536;

    private const int InvalidCurrency = -1;
    private const int UnknownCurrency = -2;

    private readonly RateTable _rates;

    /// <summary>Each rate table currency's code in <see cref="CodeTable.Currencies"/>; null for one no row can match (not three letters).</summary>
    private readonly ushort?[] _currencyCodes;
    private readonly ColumnMapping _columns;
    private readonly decimal _maxAmount;
    private readonly DecimalDataField _amountField;
    private readonly DecimalDataField _rateField = new(RateColumn, OutputSchema.RatePrecision, OutputSchema.RateScale);
    private readonly DataField _currencyField = new DataField<string>(OutputSchema.CurrencyColumn, nullable: false);
    private readonly DataField _detailField = new DataField<string>(OutputSchema.DetailColumn, nullable: true);
    private readonly DataField _rateDateField = new DataField<DateOnly>(RateDateColumn, nullable: false);
    private readonly DataField _statusField = new DataField<string>(StatusColumn, nullable: false);
    private readonly DataField _reasonField = new DataField<string>(ReasonColumn, nullable: false);
    private readonly DataField _textDateField;
    private readonly DecimalDataField _textAmountField;

    public BatchNormalizer(RateTable rates, ColumnMapping columns)
    {
        _rates = rates;
        _currencyCodes = rates.Currencies.Select(CodeTable.CurrencyCode).ToArray();
        _columns = columns;
        AmountColumn = OutputSchema.AmountColumn(rates.Target);
        _amountField = new DecimalDataField(AmountColumn, AmountPrecision, rates.TargetScale);
        _maxAmount = (decimal)Math.Pow(10, AmountPrecision - rates.TargetScale);
        _textDateField = new DataField<DateOnly>(columns.Date, nullable: true);
        _textAmountField = new DecimalDataField(columns.Amount, OutputSchema.TextAmountPrecision, OutputSchema.TextAmountScale, isNullable: true);
    }

    /// <summary>The added amount column, named after the target (<c>amount_sgd</c>).</summary>
    public string AmountColumn { get; }


    /// <summary>Fails with the origin and column when a batch cannot be normalized at all.</summary>
    public void Validate(IReadOnlyList<DataField> fields, string origin)
    {
        foreach (var (role, name, option) in new[] { ("date", _columns.Date, "--date-column"), ("currency", _columns.Currency, "--currency-column"), ("amount", _columns.Amount, "--amount-column") })
        {
            var field = fields.FirstOrDefault(f => f.Name == name)
                ?? throw new FxException($"{origin}: {role} column '{name}' not found (columns: {string.Join(", ", fields.Select(f => f.Name))}); name it with {option}");
            KeyColumns.Validate(field, role, origin);
        }
        var added = OutputSchema.AddedColumns(_rates.Target);
        if (fields.FirstOrDefault(f => added.Contains(f.Name)) is { } clash)
        {
            var name = added.First(a => string.Equals(a, clash.Name, StringComparison.OrdinalIgnoreCase));
            throw new FxException($"{origin}: the input already has a column '{clash.Name}', which the normalizer adds{(clash.Name == name ? "" : $" as '{name}' (readers match names ignoring case)")}; rename it first");
        }
        ValidatePartitionColumn(fields.Select(f => f.Name), _columns.Date, origin);
    }

    /// <summary>
    /// A column named txn_date is the partition column, held by the folder name and dropped from
    /// the files: it can only be the date column, or a different value would be silently lost.
    /// </summary>
    public static void ValidatePartitionColumn(IEnumerable<string> columns, string dateColumn, string origin)
    {
        if (dateColumn != PartitionColumn && columns.Contains(PartitionColumn))
            throw new FxException($"{origin}: column '{PartitionColumn}' is the output's partition column (its folder names) but the date column is '{dateColumn}'; " +
                $"pass --date-column {PartitionColumn} if it holds the transaction date, or rename it");
    }

    public NormalizedBatch Normalize(ColumnBatch batch) => Normalize(batch, int.MaxValue).Single();

    /// <summary>
    /// The batch's rows normalized <paramref name="sliceRows"/> at a time, each slice's output handed
    /// on before the next is gathered: what waits downstream is a slice's copies, not a whole row
    /// group's. The input batch must stay alive until the enumeration ends.
    /// </summary>
    public IEnumerable<NormalizedBatch> Normalize(ColumnBatch batch, int sliceRows)
    {
        Validate(batch.Fields.ToList(), batch.Origin);
        var rows = batch.RowCount;
        // Per-row scratch is rented: row-group-sized arrays would otherwise land on the
        // large-object heap for every batch.
        var days = ArrayPool<int>.Shared.Rent(rows);
        var currencies = ArrayPool<int>.Shared.Rent(rows);
        var amounts = ArrayPool<decimal?>.Shared.Rent(rows);
        var converted = ArrayPool<decimal>.Shared.Rent(rows);
        var entries = ArrayPool<RateTable.Entry?>.Shared.Rent(rows);
        var reasons = ArrayPool<string?>.Shared.Rent(rows);
        try
        {
            KeyColumns.DayNumbers(batch.Find(_columns.Date)!, days);
            ResolveCurrencies(batch.Find(_columns.Currency)!, currencies);
            KeyColumns.Amounts(batch.Find(_columns.Amount)!, amounts);
            // The partition column leaves the rows (its folder holds it); the key columns are read from the batch.
            var kept = batch.Find(PartitionColumn) is null ? batch
                : new ColumnBatch(batch.Origin, batch.Columns.Where(c => c.Field.Name != PartitionColumn).ToList(), batch.Untyped);
            var start = 0;
            do
            {
                var end = (int)Math.Min(rows, (long)start + sliceRows);
                var totals = new CurrencyAccumulator(_rates.Currencies.Count);
                var rejected = new List<int>();
                for (var i = start; i < end; i++)
                {
                    var reason = Convert(days[i], currencies[i], amounts[i], batch.Untyped, out entries[i], out converted[i]);
                    if (reason is not null)
                    {
                        reasons[i] = reason;
                        rejected.Add(i);
                        continue;
                    }
                    totals.Add(currencies[i], amounts[i]!.Value, converted[i], entries[i]!.RateDate.DayNumber, days[i]);
                }

                var stats = totals.ToStats(_rates.Currencies, end - start);
                foreach (var i in rejected)
                    stats.CountReject(reasons[i]!);
                var partitions = Partitions(kept, start, end, days, currencies, entries, converted, amounts);
                yield return new NormalizedBatch(partitions, Rejects(batch, kept, rejected, days, currencies, reasons), stats);
                start = end;
            }
            while (start < rows);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(days);
            ArrayPool<int>.Shared.Return(currencies);
            ArrayPool<decimal?>.Shared.Return(amounts);
            ArrayPool<decimal>.Shared.Return(converted);
            ArrayPool<RateTable.Entry?>.Shared.Return(entries, clearArray: true);
            ArrayPool<string?>.Shared.Return(reasons, clearArray: true);
        }
    }

    /// <summary>The reject reason of one row, or null with the converted amount.</summary>
    private string? Convert(int day, int currency, decimal? amount, bool untyped, out RateTable.Entry? entry, out decimal converted)
    {
        entry = null;
        converted = 0;
        if (day == KeyColumns.NoDay)
            return RejectReason.InvalidDate;
        if (currency == InvalidCurrency)
            return RejectReason.InvalidCurrency;
        if (currency == UnknownCurrency)
            return RejectReason.UnknownCurrency;
        if (amount is not { } value)
            return RejectReason.InvalidAmount;
        // A text amount goes out as DECIMAL(38, 9): one with more decimals would be rounded.
        if (untyped && decimal.Round(value, OutputSchema.TextAmountScale) != value)
            return RejectReason.InvalidAmount;
        var found = _rates.Lookup(DateOnly.FromDayNumber(day), currency);
        if (found is null)
            return RejectReason.MissingRate;
        // An amount too large for the output column is refused rather than truncated; the entry
        // stays null, since a row with one is a converted row.
        if (!found.Conversion.TryConvert(value, _rates.TargetScale, out converted) || Math.Abs(converted) >= _maxAmount)
            return RejectReason.InvalidAmount;
        entry = found;
        return null;
    }

    /// <summary>
    /// Each row's currency index in the rate table, upper-cased and trimmed first; a code seen
    /// before in the batch costs one lookup by its characters, with no string made.
    /// </summary>
    private void ResolveCurrencies(Column column, Span<int> into)
    {
        var cache = new Dictionary<string, int>(StringComparer.Ordinal);
        var lookup = cache.GetAlternateLookup<ReadOnlySpan<char>>();
        KeyColumns.MapText(column, text =>
        {
            if (!lookup.TryGetValue(text, out var index))
                lookup[text] = index = Resolve(text);
            return index;
        }, InvalidCurrency, into);
    }

    /// <summary>What a currency code is trimmed of, the same in every executor.</summary>
    private static readonly char[] CodePadding = [' ', '\t', '\r', '\n'];

    /// <summary>
    /// Trims and upper-cases a code: its rate table index, or why it has none. Only three ASCII
    /// letters qualify before upper-casing, since case tables differ beyond ASCII ('ı' is 'I' in
    /// Java and DuckDB; Java turns 'ß' into "SS"; .NET's own depend on its globalization mode).
    /// </summary>
    private int Resolve(ReadOnlySpan<char> raw)
    {
        var trimmed = raw.Trim(CodePadding);
        if (trimmed.Length != 3 || !char.IsAsciiLetter(trimmed[0]) || !char.IsAsciiLetter(trimmed[1]) || !char.IsAsciiLetter(trimmed[2]))
            return InvalidCurrency;
        var code = trimmed.ToString().ToUpperInvariant();
        var index = _rates.IndexOf(code);
        return index < 0 ? UnknownCurrency : index;
    }

    /// <summary>
    /// The converted rows grouped by day, window by window of <see cref="WindowRows"/> rows; a day
    /// gets one chunk per window.
    /// </summary>
    private List<(DateOnly, ColumnBatch)> Partitions(ColumnBatch batch, int first, int last, int[] days, int[] currencies, RateTable.Entry?[] entries, decimal[] converted, decimal?[] amounts)
    {
        var partitions = new List<(DateOnly, ColumnBatch)>();
        for (var start = first; start < last; start += WindowRows)
        {
            var end = Math.Min(last, start + WindowRows);
            int firstDay = int.MaxValue, lastDay = int.MinValue;
            for (var i = start; i < end; i++)
            {
                if (entries[i] is null)
                    continue;
                firstDay = Math.Min(firstDay, days[i]);
                lastDay = Math.Max(lastDay, days[i]);
            }
            if (firstDay > lastDay)
                continue;

            // Each converted row's day in the window (-1: rejected), and the rows of each day.
            var groupOf = new int[end - start];
            var sizes = new int[lastDay - firstDay + 1];
            for (var i = start; i < end; i++)
                if ((groupOf[i - start] = entries[i] is null ? -1 : days[i] - firstDay) >= 0)
                    sizes[groupOf[i - start]]++;

            // A CSV batch's date and amount columns are not split: typed ones replace them.
            var split = batch.Columns.Select(c => batch.Untyped && IsTyped(c.Field) ? null : c.Split(start, groupOf, sizes)).ToArray();
            var added = Added(start, groupOf, sizes, firstDay, currencies, converted, entries);
            // A CSV batch's amounts as the conversion read them, for its typed amount column.
            var typedAmounts = batch.Untyped ? ColumnBuffer<decimal?>.Split(amounts, start, groupOf, sizes) : null;
            for (var d = 0; d < sizes.Length; d++)
                if (sizes[d] > 0)
                    partitions.Add((DateOnly.FromDayNumber(firstDay + d), Output(batch, split.Select(s => s?[d]).ToArray(), added[d]!, typedAmounts?[d], firstDay + d)));
        }
        return partitions;
    }

    /// <summary>One day's values of the columns the normalizer adds.</summary>
    private sealed record AddedValues(ushort[] Codes, decimal[] Amounts, decimal[] Rates, DateOnly[] RateDates, ushort[] Statuses);

    /// <summary>
    /// The added columns' values of a window's days (null for a day without rows), filled in one
    /// pass in row order, as <see cref="Column.Split"/> fills the input's.
    /// </summary>
    private AddedValues?[] Added(int first, ReadOnlySpan<int> groupOf, ReadOnlySpan<int> sizes, int firstDay, int[] currencies, decimal[] converted, RateTable.Entry?[] entries)
    {
        var added = new AddedValues?[sizes.Length];
        for (var d = 0; d < added.Length; d++)
        {
            var rows = sizes[d];
            if (rows > 0)
                added[d] = new AddedValues(new ushort[rows], new decimal[rows], new decimal[rows], new DateOnly[rows], new ushort[rows]);
        }
        var filled = new int[added.Length];
        for (var k = 0; k < groupOf.Length; k++)
        {
            var d = groupOf[k];
            if (d < 0)
                continue;
            var (row, values, i) = (first + k, added[d]!, filled[d]++);
            var entry = entries[row]!;
            values.Codes[i] = _currencyCodes[currencies[row]]
                ?? throw new InvalidOperationException($"currency '{_rates.Currencies[currencies[row]]}' converted a row but is not three letters A-Z");
            values.Amounts[i] = converted[row];
            values.Rates[i] = entry.Rate;
            values.RateDates[i] = entry.RateDate;
            values.Statuses[i] = entry.RateDate.DayNumber == firstDay + d ? CodeTable.Exact : CodeTable.Stale;
        }
        return added;
    }

    /// <summary>A day's converted rows: the input's columns (split into days; a CSV batch's date and amount typed), then the added columns.</summary>
    private ColumnBatch Output(ColumnBatch batch, Column?[] split, AddedValues added, decimal?[]? typedAmounts, int day)
    {
        var columns = new Column[split.Length + 5];
        for (var c = 0; c < split.Length; c++)
            columns[c] = split[c] ?? Typed(batch.Columns[c].Field, typedAmounts!, day);
        columns[^5] = new CodeColumn(_currencyField, CodeTable.Currencies, added.Codes);
        columns[^4] = new RequiredColumn<decimal>(_amountField, added.Amounts);
        columns[^3] = new RequiredColumn<decimal>(_rateField, added.Rates);
        columns[^2] = new RequiredColumn<DateOnly>(_rateDateField, added.RateDates);
        columns[^1] = new CodeColumn(_statusField, CodeTable.Statuses, added.Statuses);
        return new ColumnBatch(batch.Origin, columns, batch.Untyped);
    }

    /// <summary>
    /// The rejected rows grouped by their date (null when it is missing or unreadable), each with
    /// its reason and the offending value as read: the date, the raw code, the amount, or for
    /// missing_rate the code looked up.
    /// </summary>
    private List<(DateOnly?, ColumnBatch)> Rejects(ColumnBatch batch, ColumnBatch kept, List<int> rejected, int[] days, int[] currencies, string?[] reasons)
    {
        if (rejected.Count == 0)
            return [];
        var (date, currency, amount) = (batch.Find(_columns.Date)!, batch.Find(_columns.Currency)!, batch.Find(_columns.Amount)!);
        var groups = new List<(DateOnly?, ColumnBatch)>();
        foreach (var day in rejected.GroupBy(i => days[i]))
        {
            var rows = day.ToArray();
            var details = rows.Select(i => reasons[i] switch
            {
                RejectReason.InvalidDate => RawText.Of(date, i),
                RejectReason.InvalidCurrency or RejectReason.UnknownCurrency => RawText.Of(currency, i),
                RejectReason.InvalidAmount => RawText.Of(amount, i),
                RejectReason.MissingRate => _rates.Currencies[currencies[i]],
                _ => null,
            }).ToArray();
            groups.Add((day.Key == KeyColumns.NoDay ? null : DateOnly.FromDayNumber(day.Key), kept.Gather(rows,
                new StringColumn(_reasonField, rows.Select(i => reasons[i]).ToArray(), shared: true),
                new StringColumn(_detailField, details))));
        }
        return groups;
    }

    /// <summary>The date and amount columns: an untyped (CSV) batch's are replaced by typed ones.</summary>
    private bool IsTyped(DataField field) => field.Name == _columns.Date || field.Name == _columns.Amount;

    /// <summary>
    /// A day's typed column of an untyped (CSV) batch: the date column as DATE and the amount
    /// column as DECIMAL(38, 9), the values the conversion used (<paramref name="amounts"/>: the day's).
    /// </summary>
    private Column Typed(DataField field, decimal?[] amounts, int day)
    {
        if (field.Name == _columns.Amount)
            return new OptionalColumn<decimal>(_textAmountField, amounts);
        var dates = new DateOnly?[amounts.Length];
        Array.Fill(dates, DateOnly.FromDayNumber(day));
        return new OptionalColumn<DateOnly>(_textDateField, dates);
    }
}
