using Parquet.Schema;
using FxEngine.Data;
using FxEngine.Transforms.Currency;

namespace FxEngine.Transforms;

/// <summary>Where the join finds its keys in the input.</summary>
public sealed record ColumnMapping(string Date = "txn_date", string Currency = "currency", string Amount = "amount");

/// <summary>The converted rows of a batch grouped by transaction date, and its rejects.</summary>
public sealed record NormalizedBatch(IReadOnlyList<(DateOnly Date, ColumnBatch Rows)> Partitions, ColumnBatch? Rejects, NormalizeStats Stats);

/// <summary>
/// The probe side of the broadcast join: converts each row of a batch with the shared
/// <see cref="RateTable"/>, appends amount, rate, rate date and status, and routes the rows
/// that cannot be converted to the rejects with their reason. Stateless, so one instance
/// serves every worker.
/// </summary>
public sealed class BatchNormalizer
{
    public const string RateColumn = "fx_rate";
    public const string RateDateColumn = "fx_rate_date";
    public const string StatusColumn = "fx_status";
    public const string ReasonColumn = "reject_reason";

    private readonly RateTable _rates;
    private readonly ColumnMapping _columns;
    private readonly DecimalDataField _amountField;
    private readonly DecimalDataField _rateField = new(RateColumn, 38, ExactConversion.RateScale);
    private readonly DataField _rateDateField = new DataField<DateOnly>(RateDateColumn, nullable: false);
    private readonly DataField _statusField = new DataField<string>(StatusColumn, nullable: false);
    private readonly DataField _reasonField = new DataField<string>(ReasonColumn, nullable: false);

    public BatchNormalizer(RateTable rates, ColumnMapping columns)
    {
        _rates = rates;
        _columns = columns;
        AmountColumn = $"amount_{rates.Target.ToLowerInvariant()}";
        _amountField = new DecimalDataField(AmountColumn, 38, rates.TargetScale);
    }

    /// <summary>The added amount column, named after the target (<c>amount_sgd</c>).</summary>
    public string AmountColumn { get; }

    public IReadOnlyList<string> AddedColumns => [AmountColumn, RateColumn, RateDateColumn, StatusColumn];

    /// <summary>Fails with the origin and column when a batch cannot be normalized at all.</summary>
    public void Validate(IReadOnlyList<DataField> fields, string origin)
    {
        foreach (var (role, name, option) in new[] { ("date", _columns.Date, "--date-column"), ("currency", _columns.Currency, "--currency-column"), ("amount", _columns.Amount, "--amount-column") })
        {
            var field = fields.FirstOrDefault(f => f.Name == name)
                ?? throw new FxException($"{origin}: {role} column '{name}' not found (columns: {string.Join(", ", fields.Select(f => f.Name))}); name it with {option}");
            KeyColumns.Validate(new Column.StringColumn(field, []), role, origin);
        }
        foreach (var added in AddedColumns.Append(ReasonColumn))
            if (fields.Any(f => f.Name == added))
                throw new FxException($"{origin}: the input already has a column '{added}', which the normalizer adds; rename it first");
    }

    public NormalizedBatch Normalize(ColumnBatch batch)
    {
        var stats = new NormalizeStats();
        Validate(batch.Fields.ToList(), batch.Origin);
        var dates = KeyColumns.Dates(batch.Find(_columns.Date)!);
        var currencies = KeyColumns.Strings(batch.Find(_columns.Currency)!);
        var amounts = KeyColumns.Amounts(batch.Find(_columns.Amount)!);
        var rows = batch.RowCount;
        stats.CountIn(rows);

        var converted = new decimal[rows];
        var entries = new RateTable.Entry?[rows];
        var reasons = new string?[rows];
        var codes = new string?[rows];
        var codeCache = new Dictionary<string, (string? Code, int Index)>(StringComparer.Ordinal);
        var byDay = new Dictionary<int, List<int>>();
        var rejected = new List<int>();

        for (var i = 0; i < rows; i++)
        {
            var reason = Convert(dates[i], currencies[i], amounts[i], codeCache, out codes[i], out entries[i], out converted[i]);
            if (reason is not null)
            {
                reasons[i] = reason;
                rejected.Add(i);
                stats.CountReject(reason);
                continue;
            }
            var day = dates[i]!.Value.DayNumber;
            if (!byDay.TryGetValue(day, out var list))
                byDay[day] = list = [];
            list.Add(i);
            stats.CountOut(codes[i]!, amounts[i]!.Value, converted[i], entries[i]!.RateDate.DayNumber != day);
        }

        var partitions = byDay.OrderBy(p => p.Key)
            .Select(p => (DateOnly.FromDayNumber(p.Key), Output(batch, p.Value, converted, entries, p.Key)))
            .ToList();
        var rejects = rejected.Count == 0 ? null : batch.Gather(rejected.ToArray()).Append(
            new Column.StringColumn(_reasonField, rejected.Select(i => reasons[i]).ToArray()));
        return new NormalizedBatch(partitions, rejects, stats);
    }

    /// <summary>The reject reason of one row, or null with the converted amount.</summary>
    private string? Convert(DateOnly? date, string? rawCode, decimal? amount,
        Dictionary<string, (string? Code, int Index)> codeCache,
        out string? code, out RateTable.Entry? entry, out decimal converted)
    {
        code = null;
        entry = null;
        converted = 0;
        if (date is not { } day)
            return RejectReason.InvalidDate;
        if (rawCode is null)
            return RejectReason.InvalidCurrency;
        if (!codeCache.TryGetValue(rawCode, out var known))
            codeCache[rawCode] = known = Resolve(rawCode);
        code = known.Code;
        if (code is null)
            return RejectReason.InvalidCurrency;
        if (known.Index < 0)
            return RejectReason.UnknownCurrency;
        if (amount is not { } value)
            return RejectReason.InvalidAmount;
        entry = _rates.Lookup(day, known.Index);
        if (entry is null)
            return RejectReason.MissingRate;
        return entry.Conversion.TryConvert(value, _rates.TargetScale, out converted) ? null : RejectReason.InvalidAmount;
    }

    /// <summary>Upper-cases and trims a code; null code when it is not three letters.</summary>
    private (string? Code, int Index) Resolve(string raw)
    {
        var code = raw.Trim().ToUpperInvariant();
        return Iso4217.IsWellFormed(code) ? (code, _rates.IndexOf(code)) : (null, -1);
    }

    private ColumnBatch Output(ColumnBatch batch, List<int> rowList, decimal[] converted, RateTable.Entry?[] entries, int day)
    {
        var rows = rowList.ToArray();
        var amounts = new decimal[rows.Length];
        var rates = new decimal[rows.Length];
        var rateDates = new DateOnly[rows.Length];
        var statuses = new string?[rows.Length];
        for (var i = 0; i < rows.Length; i++)
        {
            var entry = entries[rows[i]]!;
            amounts[i] = converted[rows[i]];
            rates[i] = entry.Conversion.Rate;
            rateDates[i] = entry.RateDate;
            statuses[i] = entry.RateDate.DayNumber == day ? "exact" : "stale";
        }
        return batch.Gather(rows).Append(
            new Column.RequiredColumn<decimal>(_amountField, amounts),
            new Column.RequiredColumn<decimal>(_rateField, rates),
            new Column.RequiredColumn<DateOnly>(_rateDateField, rateDates),
            new Column.StringColumn(_statusField, statuses));
    }
}
