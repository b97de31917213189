using System.Net;
using System.Text.Json;

namespace FxEngine.Sources.Rates;

/// <summary>
/// The Open Exchange Rates API (<c>historical/YYYY-MM-DD.json</c>, <c>latest.json</c>).
/// Transient failures (429, 5xx, timeouts, connection errors) are retried with exponential
/// backoff and jitter, honouring Retry-After; the API's permanent errors fail at once with
/// what to do. A body is returned only once it parses as a valid snapshot. The app_id is
/// sent as the query parameter the API requires and appears in no message, log or header.
/// </summary>
public sealed class OpenExchangeRatesSource : IRatesSource
{
    private readonly HttpClient _http;
    private readonly OpenExchangeRatesOptions _options;
    private readonly Func<TimeSpan, CancellationToken, Task> _delay;
    private readonly Uri _root;
    private readonly Action<string> _log;

    /// <param name="log">Told of each retry and its wait, so that backoff is never silent.</param>
    public OpenExchangeRatesSource(HttpClient http, OpenExchangeRatesOptions options, Func<TimeSpan, CancellationToken, Task>? delay = null, Action<string>? log = null)
    {
        options.Validate();
        _http = http;
        _options = options;
        _delay = delay ?? Task.Delay;
        // Relative paths resolve under the root only when it ends with '/' (…/api, not …/historical).
        _root = options.BaseAddress.AbsolutePath.EndsWith('/') ? options.BaseAddress : new Uri(options.BaseAddress.AbsoluteUri + "/");
        _log = log ?? (_ => { });
    }

    public string Name => "openexchangerates";

    /// <summary>The API root, safe to print.</summary>
    public string Endpoint => OpenExchangeRatesOptions.Describe(_root);

    public Task<RatesMessage> FetchAsync(DateOnly date, CancellationToken cancellationToken) =>
        FetchAsync($"historical/{date:yyyy-MM-dd}.json", date, cancellationToken);

    public Task<RatesMessage> FetchLatestAsync(CancellationToken cancellationToken) =>
        FetchAsync("latest.json", null, cancellationToken);

    private async Task<RatesMessage> FetchAsync(string path, DateOnly? date, CancellationToken cancellationToken)
    {
        var query = $"app_id={Uri.EscapeDataString(_options.AppId)}"
            + (_options.Base == "USD" ? "" : $"&base={Uri.EscapeDataString(_options.Base)}");
        var uri = new Uri(_root, $"{path}?{query}");
        var label = $"Open Exchange Rates {path}"; // what messages name: never the URI, which holds the app_id

        for (var attempt = 1; ; attempt++)
        {
            var (body, retryAfter, problem) = await TryOnceAsync(uri, label, cancellationToken).ConfigureAwait(false);
            if (body is not null)
                return RatesMessage.Parse(body, Name, DateTimeOffset.UtcNow, label, date);
            if (attempt >= _options.MaxAttempts)
                throw new FxException($"{label}: {problem}; gave up after {attempt} attempts");
            var wait = Backoff(attempt, retryAfter);
            _log(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"{label}: {problem}; retrying in {wait.TotalSeconds:0.0} s (attempt {attempt + 1} of {_options.MaxAttempts})"));
            await _delay(wait, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>One request: the body on success, or a transient problem to retry; permanent errors throw.</summary>
    private async Task<(byte[]? Body, TimeSpan? RetryAfter, string? Problem)> TryOnceAsync(Uri uri, string label, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.Timeout);
        HttpResponseMessage response;
        try
        {
            response = await _http.GetAsync(uri, HttpCompletionOption.ResponseContentRead, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, null, $"no response within {_options.Timeout.TotalSeconds:0} s");
        }
        catch (HttpRequestException ex)
        {
            // The exception's own message may quote the request URI: report only its kind.
            return (null, null, $"connection failed ({ex.HttpRequestError})");
        }

        using (response)
        {
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
                return (body, null, null);

            var (message, description) = ApiError(body);
            // Whatever the server says goes into our messages: never let it echo the secret back.
            message = Scrub(message);
            description = Scrub(description);
            var permanent = Permanent(message, description, response.StatusCode);
            if (permanent is not null)
                throw new FxException($"{label}: HTTP {status} {message}: {permanent}");
            if (status == 429 || status >= 500)
                return (null, RetryAfter(response), $"HTTP {status}{(message is null ? "" : $" {message}")}");
            throw new FxException($"{label}: HTTP {status}{(message is null ? "" : $" {message}")}: {description ?? "unexpected response"}");
        }
    }

    /// <summary>What to do about the API's permanent errors, or null for a transient one.</summary>
    private string? Permanent(string? message, string? description, HttpStatusCode status) => message switch
    {
        "missing_app_id" => "no app_id was sent; set OXR_APP_ID",
        "invalid_app_id" => "the app_id is not valid; check OXR_APP_ID",
        "not_allowed" => "this app_id's plan does not allow the request (quota used up, or a paid feature); check /usage.json or upgrade the plan",
        "access_restricted" => "access is restricted for this app_id (unpaid or suspended account); see the account page",
        "invalid_base" => $"base '{_options.Base}' is not available; a base other than USD needs a paid plan",
        "not_found" => "no snapshot for that date (historical data starts 1999-01-01)",
        _ when status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => description ?? "access denied",
        _ => null,
    };

    private static (string? Message, string? Description) ApiError(byte[] body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            var root = json.RootElement;
            return (root.TryGetProperty("message", out var m) ? m.GetString() : null,
                    root.TryGetProperty("description", out var d) ? d.GetString() : null);
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    private string? Scrub(string? text) => text is null ? null : _options.Scrub(text);

    private static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
            return delta;
        if (header?.Date is { } when)
            return when - DateTimeOffset.UtcNow;
        return null;
    }

    private TimeSpan Backoff(int attempt, TimeSpan? retryAfter)
    {
        var wait = retryAfter
            ?? TimeSpan.FromMilliseconds(_options.FirstRetryDelay.TotalMilliseconds * Math.Pow(2, attempt - 1) * (0.8 + Random.Shared.NextDouble() * 0.4));
        return wait < TimeSpan.Zero ? TimeSpan.Zero : wait > _options.MaxRetryDelay ? _options.MaxRetryDelay : wait;
    }
}
