using System.Globalization;
using System.Text.Json;
using FxEngine.Transforms;

namespace FxEngine.Jobs;

/// <summary>
/// A run's <c>_summary.json</c>: what it read and wrote, rows by outcome, totals per currency
/// and timings. Written beside the data before <c>_SUCCESS</c>, and printed by the CLI.
/// </summary>
internal static class RunSummary
{
    public static byte[] Build(string runId, DateTimeOffset started, NormalizeOptions options, RateTable rates,
        NormalizeStats stats, int files, TimeSpan loadRates, TimeSpan normalize, TimeSpan total, Action<Utf8JsonWriter>? table = null)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("run_id", runId);
            json.WriteString("started_at", started.ToString("O", CultureInfo.InvariantCulture));
            json.WriteString("target", rates.Target);
            json.WriteNumber("max_stale_days", rates.MaxStaleDays);
            json.WriteString("input", options.Input);
            json.WriteString("output", options.Output);
            json.WriteString("rejects", options.RejectsLocation);
            json.WriteStartObject("rates");
            json.WriteNumber("snapshots", rates.Snapshots.Count);
            json.WriteString("first_date", rates.Snapshots[0].Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            json.WriteString("last_date", rates.Snapshots[^1].Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            json.WriteEndObject();
            json.WriteNumber("rows_in", stats.RowsIn);
            json.WriteNumber("rows_out", stats.RowsOut);
            json.WriteNumber("rows_rejected", stats.RowsRejected);
            json.WriteNumber("rejected_percent", Math.Round(stats.RejectedPercent(), 4));
            json.WriteStartObject("rejected_by_reason");
            foreach (var reason in RejectReason.All)
                json.WriteNumber(reason, stats.RejectedByReason.GetValueOrDefault(reason));
            json.WriteEndObject();
            json.WriteStartObject("rejected_percent_by_reason");
            foreach (var reason in RejectReason.All)
                json.WriteNumber(reason, Math.Round(stats.RejectedPercent(reason), 4));
            json.WriteEndObject();
            json.WriteNumber("stale_rows", stats.StaleRows);
            // The rate dates that converted rows, which can differ from the snapshots loaded above.
            json.WriteStartObject("rate_dates_used");
            if (stats.FirstRateDate is { } firstRate && stats.LastRateDate is { } lastRate)
            {
                json.WriteString("first", firstRate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                json.WriteString("last", lastRate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            }
            json.WriteEndObject();
            json.WriteNumber($"amount_{rates.Target.ToLowerInvariant()}_total", stats.AmountTarget);
            json.WriteStartObject("currencies");
            foreach (var (code, totals) in stats.Currencies)
            {
                json.WriteStartObject(code);
                json.WriteNumber("rows", totals.Rows);
                json.WriteNumber("amount", totals.Amount);
                json.WriteNumber($"amount_{rates.Target.ToLowerInvariant()}", totals.AmountTarget);
                json.WriteEndObject();
            }
            json.WriteEndObject();
            json.WriteNumber("files", files);
            table?.Invoke(json);
            json.WriteStartObject("timings_ms");
            json.WriteNumber("load_rates", (long)loadRates.TotalMilliseconds);
            json.WriteNumber("normalize", (long)normalize.TotalMilliseconds);
            json.WriteNumber("total", (long)total.TotalMilliseconds);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }
}
