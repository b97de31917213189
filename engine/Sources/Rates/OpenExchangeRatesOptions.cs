namespace FxEngine.Sources.Rates;

/// <summary>Settings of the Open Exchange Rates client, immutable; <see cref="Validate"/> changes nothing.</summary>
public sealed record OpenExchangeRatesOptions
{
    /// <summary>The app_id, a secret (the CLI reads OXR_APP_ID); never logged.</summary>
    public string AppId { get; init; } = "";

    /// <summary>
    /// API root: a proxy, a compatible provider or a local stub (the CLI reads OXR_BASE_URL).
    /// Must be https unless the host is loopback, since every request carries the app_id.
    /// Default https://openexchangerates.org/api/.
    /// </summary>
    public Uri BaseAddress { get; init; } = new("https://openexchangerates.org/api/");

    /// <summary>Base currency. Default USD; any other needs a paid plan.</summary>
    public string Base { get; init; } = "USD";

    /// <summary>Tries per request for transient failures (429, 5xx, timeouts). Default 5.</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>First retry delay, doubled each try (with jitter) unless Retry-After says otherwise. Default 1 s.</summary>
    public TimeSpan FirstRetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest wait between tries, Retry-After included. Default 60 s.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Per-request timeout. Default 30 s.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A copy with <see cref="BaseAddress"/> from text, failing with a message that names <paramref name="setting"/>.</summary>
    public OpenExchangeRatesOptions WithBaseUrl(string text, string setting = "OXR_BASE_URL")
    {
        // The text is echoed only with the app_id blanked, in case it was pasted in.
        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
            throw FxException.InvalidOption(
                $"{setting} '{Scrub(text)}' is not an http(s) URL; use the API root, like https://openexchangerates.org/api/");
        CheckBaseAddress(uri, setting);
        return this with { BaseAddress = uri };
    }

    /// <summary>Text with the app_id replaced, for anything that goes into a message.</summary>
    internal string Scrub(string text) =>
        AppId.Length == 0 ? text : text.Replace(AppId, "[app_id]", StringComparison.Ordinal);

    /// <summary>The API root as messages may show it: no credentials, query or fragment.</summary>
    internal static string Describe(Uri uri) =>
        uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped);

    private static void CheckBaseAddress(Uri uri, string setting)
    {
        if (!uri.IsAbsoluteUri || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
            throw FxException.InvalidOption($"{setting} must be an absolute http(s) URL");
        if (uri.UserInfo.Length > 0 || uri.Query.Length > 0 || uri.Fragment.Length > 0)
            throw FxException.InvalidOption(
                $"{setting} {Describe(uri)}: give the API root without credentials, query or fragment (the app_id comes from OXR_APP_ID)");
        // Every request carries the app_id in its query: plain http only where it never leaves the machine.
        if (uri.Scheme != Uri.UriSchemeHttps && !uri.IsLoopback)
            throw FxException.InvalidOption($"{setting} {Describe(uri)}: use https (plain http is allowed only for a loopback host " +
                "such as localhost or 127.0.0.1), so the app_id is never sent in clear");
    }

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(AppId))
            throw FxException.InvalidOption("OXR_APP_ID is not set: get an app_id at openexchangerates.org and export OXR_APP_ID");
        CheckBaseAddress(BaseAddress, "the Open Exchange Rates base address (OXR_BASE_URL)");
        if (MaxAttempts < 1)
            throw FxException.InvalidOption("Open Exchange Rates: tries per request must be at least 1");
        if (!string.Equals(Base, "USD", StringComparison.Ordinal) && Base.Length != 3)
            throw FxException.InvalidOption($"Open Exchange Rates: base '{Base}' is not a currency code");
    }
}
