using System.Collections;
using FxEngine.Kafka;
using FxEngine.Sources.Rates;

namespace FxEngine.Cli;

/// <summary>
/// The settings that come from environment variables, read here and only here: the engine
/// takes every setting as a value, so a job never depends on the process it runs in.
/// </summary>
internal static class EnvironmentSettings
{
    /// <summary>The prefix of librdkafka pass-through settings: FXENGINE_KAFKA_SASL_MECHANISM=SCRAM-SHA-512 sets sasl.mechanism.</summary>
    public const string KafkaPrefix = "FXENGINE_KAFKA_";

    /// <summary>KAFKA_BOOTSTRAP_SERVERS and the FXENGINE_KAFKA_* pass-through settings.</summary>
    public static KafkaSettings Kafka() => Kafka(Environment.GetEnvironmentVariables());

    internal static KafkaSettings Kafka(IDictionary variables)
    {
        var client = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry variable in variables)
        {
            var name = (string)variable.Key;
            if (name.StartsWith(KafkaPrefix, StringComparison.Ordinal) && name.Length > KafkaPrefix.Length && variable.Value is string value)
                client[name[KafkaPrefix.Length..].ToLowerInvariant().Replace('_', '.')] = value;
        }
        return new KafkaSettings { BootstrapServers = variables["KAFKA_BOOTSTRAP_SERVERS"] as string ?? "", Client = client };
    }

    /// <summary>
    /// The real API (or the compatible server OXR_BASE_URL names) when OXR_APP_ID is set; null for
    /// the synthetic source.
    /// </summary>
    public static OpenExchangeRatesOptions? OpenExchangeRates()
    {
        var appId = Environment.GetEnvironmentVariable("OXR_APP_ID");
        var baseUrl = Environment.GetEnvironmentVariable("OXR_BASE_URL");
        if (string.IsNullOrWhiteSpace(appId))
        {
            if (!string.IsNullOrWhiteSpace(baseUrl))
                throw FxException.InvalidOption("OXR_BASE_URL is set but OXR_APP_ID is not: export OXR_APP_ID (any value a local stub accepts), " +
                    "or unset OXR_BASE_URL for synthetic rates");
            return null;
        }
        var options = new OpenExchangeRatesOptions { AppId = appId };
        return string.IsNullOrWhiteSpace(baseUrl) ? options : options.WithBaseUrl(baseUrl);
    }
}
