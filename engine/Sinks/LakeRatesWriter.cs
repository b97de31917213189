using FxEngine.Sources.Rates;
using FxEngine.Storage;

namespace FxEngine.Sinks;

/// <summary>
/// Lands rate messages in the lake as <c>exchange_rates/YYYY-MM-DD.json</c>, the message
/// value byte for byte. The key comes from the validated snapshot date, never from raw
/// message bytes; only valid snapshots arrive (a <see cref="RatesMessage"/> holds its parsed body).
/// </summary>
internal sealed class LakeRatesWriter(IObjectStore lake)
{
    public const string Folder = "exchange_rates/";

    public static string KeyOf(DateOnly date) => $"{Folder}{date:yyyy-MM-dd}.json";

    public async Task<string> WriteAsync(RatesMessage message, CancellationToken cancellationToken)
    {
        var key = KeyOf(message.Date);
        await lake.WriteAllAsync(key, message.Value, cancellationToken).ConfigureAwait(false);
        return key;
    }
}
