using System.Globalization;
using System.Text;
using Confluent.Kafka;
using FxEngine.Jobs;
using FxEngine.Kafka;
using FxEngine.Sources.Rates;

namespace FxEngine.Tests;

/// <summary>One transaction as a stream message and as the CSV line a batch run reads.</summary>
internal sealed record StreamTransaction(string Id, string Json, string CsvLine);

/// <summary>Helpers for stream scenarios: transactions and rates on the embedded broker, and the batch reference.</summary>
internal static class StreamTest
{
    public const string CsvHeader = "txn_id,txn_date,currency,amount,merchant";

    private static readonly string[] Currencies = ["USD", "EUR", "GBP", "JPY", "SGD", "AUD", "KWD", "INR", "CHF", "BHD"];

    /// <summary>
    /// Transactions spread over <paramref name="days"/> days from <paramref name="from"/>, amounts
    /// as JSON numbers or strings, a few of them rejects (an unknown code, a bad amount), the
    /// same each time for a seed.
    /// </summary>
    public static List<StreamTransaction> Transactions(int count, DateOnly from, int days, int seed, string prefix = "t")
    {
        var random = new Random(seed);
        var rows = new List<StreamTransaction>(count);
        for (var i = 0; i < count; i++)
        {
            var id = $"{prefix}{i:D7}";
            var day = from.AddDays(random.Next(days)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            var currency = random.Next(500) == 0 ? "XXX" : Currencies[random.Next(Currencies.Length)];
            var amount = random.Next(400) == 0 ? "12,5" : (random.Next(1, 5_000_000) / 100m).ToString(CultureInfo.InvariantCulture);
            var merchant = $"m{random.Next(50)}";
            var json = random.Next(2) == 0 && amount != "12,5"
                ? $"{{\"txn_id\":\"{id}\",\"txn_date\":\"{day}\",\"currency\":\"{currency}\",\"amount\":{amount},\"merchant\":\"{merchant}\"}}"
                : $"{{\"txn_id\":\"{id}\",\"txn_date\":\"{day}\",\"currency\":\"{currency}\",\"amount\":\"{amount}\",\"merchant\":\"{merchant}\"}}";
            var csvAmount = amount.Contains(',', StringComparison.Ordinal) ? $"\"{amount}\"" : amount;
            rows.Add(new StreamTransaction(id, json, $"{id},{day},{currency},{csvAmount},{merchant}"));
        }
        return rows;
    }

    /// <summary>A producer that keeps the embedded broker's partitions small: it drops acknowledged messages past about 5 MB a partition.</summary>
    public static IProducer<byte[]?, byte[]?> Producer(EmbeddedBroker broker) =>
        new ProducerBuilder<byte[]?, byte[]?>(new ProducerConfig
        {
            BootstrapServers = broker.BootstrapServers, EnableIdempotence = true, Acks = Acks.All, LingerMs = 20,
            CompressionType = CompressionType.Lz4, MessageMaxBytes = 4_000_000,
        }).Build();

    public static void Produce(IProducer<byte[]?, byte[]?> producer, string topic, IEnumerable<StreamTransaction> rows)
    {
        foreach (var row in rows)
            producer.Produce(topic, new Message<byte[]?, byte[]?> { Key = Encoding.UTF8.GetBytes(row.Id), Value = Encoding.UTF8.GetBytes(row.Json) });
        producer.Flush(TimeSpan.FromSeconds(30));
    }

    public static void ProduceRaw(IProducer<byte[]?, byte[]?> producer, string topic, string key, byte[] value)
    {
        producer.Produce(topic, new Message<byte[]?, byte[]?> { Key = Encoding.UTF8.GetBytes(key), Value = value });
        producer.Flush(TimeSpan.FromSeconds(30));
    }

    /// <summary>Publishes the synthetic snapshot of each day, as <c>produce</c> would.</summary>
    public static void ProduceRates(IProducer<byte[]?, byte[]?> producer, string topic, IEnumerable<DateOnly> days)
    {
        foreach (var day in days)
            producer.Produce(topic, new Message<byte[]?, byte[]?>
            {
                Key = Encoding.UTF8.GetBytes(day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
                Value = SyntheticRatesSource.Render(day),
                Headers = new Headers { { "fx-source", Encoding.UTF8.GetBytes("synthetic") } },
            });
        producer.Flush(TimeSpan.FromSeconds(30));
    }

    /// <summary>The same rows and snapshots normalized by a full batch run: the reference a stream's table must equal.</summary>
    public static async Task<List<string>> BatchReferenceAsync(TempDir dir, IEnumerable<StreamTransaction> rows, IEnumerable<DateOnly> rateDays)
    {
        var root = dir.Sub($"batch-{Guid.NewGuid():N}");
        Directory.CreateDirectory($"{root}/input");
        File.WriteAllLines($"{root}/input/transactions.csv", rows.Select(r => r.CsvLine).Prepend(CsvHeader));
        foreach (var day in rateDays)
        {
            Directory.CreateDirectory($"{root}/rates");
            File.WriteAllBytes($"{root}/rates/{day:yyyy-MM-dd}.json", SyntheticRatesSource.Render(day));
        }
        await NormalizeJob.RunAsync(new NormalizeOptions
        {
            Rates = $"{root}/rates", Input = $"{root}/input", Output = $"{root}/out", Rejects = $"{root}/rejects", Full = true,
        });
        return TableTest.Rows($"{root}/out", $"{root}/rejects");
    }

    public static List<string> LakeRows(string lake) => TableTest.Rows($"{lake}/processed_data", $"{lake}/rejected_data");

    /// <summary>Rows committed so far by the stream of a lake, from its table state.</summary>
    public static long Committed(string lake)
    {
        var state = $"{lake}/processed_data/_fxengine/state.json";
        if (!File.Exists(state))
            return 0;
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(state));
        if (!json.RootElement.TryGetProperty("stream", out var stream) || stream.ValueKind != System.Text.Json.JsonValueKind.Object)
            return 0;
        return stream.GetProperty("partitions").EnumerateObject()
            .Sum(p => p.Value.GetProperty("rows_out").GetInt64() + p.Value.GetProperty("rows_rejected").GetInt64());
    }

    public static async Task WaitUntilAsync(Func<bool> done, TimeSpan wait, Func<string> describe)
    {
        var deadline = DateTime.UtcNow + wait;
        while (!done())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"not done after {wait.TotalSeconds:0} s: {describe()}");
            await Task.Delay(200);
        }
    }
}

/// <summary>
/// What every stream scenario starts from: an embedded broker, a temp folder with its lake, a
/// producer for its topics and the settings to reach the broker, disposed together.
/// </summary>
internal sealed class StreamScenario : IDisposable
{
    public EmbeddedBroker Broker { get; } = new();
    public TempDir Dir { get; } = new();
    public string Lake => Dir.Sub("lake");
    public IProducer<byte[]?, byte[]?> Producer { get; }
    public KafkaSettings Kafka => new() { BootstrapServers = Broker.BootstrapServers };

    public StreamScenario() => Producer = StreamTest.Producer(Broker);

    public void Deconstruct(out EmbeddedBroker broker, out TempDir dir, out string lake, out IProducer<byte[]?, byte[]?> producer, out KafkaSettings kafka) =>
        (broker, dir, lake, producer, kafka) = (Broker, Dir, Lake, Producer, Kafka);

    public void Dispose()
    {
        Producer.Dispose();
        Dir.Dispose();
        Broker.Dispose();
    }
}
