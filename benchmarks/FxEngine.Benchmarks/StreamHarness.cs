using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Confluent.Kafka;
using FxEngine.Jobs;
using FxEngine.Kafka;
using FxEngine.Sources.Rates;
using FxEngine.Streaming;

namespace FxEngine.Benchmarks;

/// <summary>
/// `dotnet run -c Release --project benchmarks/FxEngine.Benchmarks -- stream [rows] [rows-per-second]`:
/// the stream's sustained throughput (a topic of <c>rows</c> transactions drained by
/// <c>stream --once</c> into committed lake files, three times) and its produce-to-commit latency
/// (rows produced at a steady rate for 20 s into a running stream with <c>--flush-every 1s</c>; each
/// row's latency runs from its produce call to the commit of the flush that holds it). On the
/// embedded broker, whose partitions drop data past about 5 MB, so the rows are small and
/// compressed and the runs short; a real cluster would add network time to both.
/// </summary>
internal static class StreamHarness
{
    private static readonly string[] Currencies = ["USD", "EUR", "GBP", "JPY", "SGD", "AUD", "KWD", "INR", "CHF", "MYR"];
    private static readonly DateOnly From = new(2024, 3, 1);

    public static async Task<int> RunAsync(string[] args)
    {
        var rows = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 200_000;
        var perSecond = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 20_000;
        var root = Path.Combine(Path.GetTempPath(), $"fxengine-stream-bench-{Guid.NewGuid():N}");
        try
        {
            Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {Cpu()}, .NET {Environment.Version}, {DateTime.UtcNow:yyyy-MM-dd}");
            await ThroughputAsync(root, rows);
            await LatencyAsync(root, perSecond, TimeSpan.FromSeconds(20));
        }
        finally
        {
            if (Directory.Exists(root))
                Directory.Delete(root, recursive: true);
        }
        return 0;
    }

    private static async Task ThroughputAsync(string root, int rows)
    {
        using var broker = new EmbeddedBroker();
        using var producer = Producer(broker);
        ProduceRates(producer);
        for (var i = 0; i < rows; i++)
            producer.Produce("transactions", Transaction(i));
        producer.Flush(TimeSpan.FromMinutes(1));
        var kafka = new KafkaSettings { BootstrapServers = broker.BootstrapServers };
        Console.WriteLine($"\nthroughput: {rows:N0} transactions already on a 4-partition topic, drained by stream --once");
        Console.WriteLine("| run | wall | rows/s | commits |");
        Console.WriteLine("| --- | --- | --- | --- |");
        for (var run = 1; run <= 3; run++)
        {
            var options = new StreamOptions { Lake = Path.Combine(root, $"throughput-{run}"), Once = true, Group = $"bench-{run}", FlushEvery = TimeSpan.FromSeconds(1) };
            var clock = Stopwatch.StartNew();
            var result = await StreamJob.RunAsync(options, kafka, _ => { }, null, default);
            clock.Stop();
            if (result.RowsIn != rows)
                throw new InvalidOperationException($"read {result.RowsIn} of {rows} rows: the broker dropped some, use fewer");
            Console.WriteLine($"| {run} | {clock.Elapsed.TotalSeconds:0.00} s | {rows / clock.Elapsed.TotalSeconds:N0} | {result.Flushes} |");
        }
    }

    private static async Task LatencyAsync(string root, int perSecond, TimeSpan duration)
    {
        using var broker = new EmbeddedBroker();
        using var producer = Producer(broker);
        ProduceRates(producer);
        var produced = new ConcurrentDictionary<(int, long), long>();
        var latencies = new ConcurrentBag<double>();
        var total = (int)(perSecond * duration.TotalSeconds);
        using var stop = new CancellationTokenSource();
        var options = new StreamOptions { Lake = Path.Combine(root, "latency"), FlushEvery = TimeSpan.FromSeconds(1) };
        var stream = StreamJob.RunAsync(options, new KafkaSettings { BootstrapServers = broker.BootstrapServers }, _ => { }, null, commit =>
        {
            var at = Stopwatch.GetTimestamp();
            foreach (var row in commit.Rows)
                if (produced.TryRemove(row, out var sent))
                    latencies.Add(Stopwatch.GetElapsedTime(sent, at).TotalMilliseconds);
        }, stop.Token);
        await Task.Delay(2_000); // the stream's start (rates caught up, partitions assigned) is not latency

        var clock = Stopwatch.StartNew();
        for (var i = 0; i < total; i++)
        {
            var sent = Stopwatch.GetTimestamp();
            producer.Produce("transactions", Transaction(i), report =>
            {
                if (report.Error.IsError)
                    throw new InvalidOperationException(report.Error.Reason);
                produced[(report.Partition.Value, report.Offset.Value)] = sent;
            });
            // A steady rate: wait for the schedule whenever ahead of it.
            var due = TimeSpan.FromSeconds((double)(i + 1) / perSecond);
            if (clock.Elapsed < due)
                await Task.Delay(due - clock.Elapsed);
        }
        producer.Flush(TimeSpan.FromMinutes(1));
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (latencies.Count < total && DateTime.UtcNow < deadline && !stream.IsCompleted)
            await Task.Delay(100);
        stop.Cancel();
        await stream;

        var sorted = latencies.Order().ToArray();
        if (sorted.Length < total)
            throw new InvalidOperationException($"only {sorted.Length} of {total} rows were committed");
        double Percentile(double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
        Console.WriteLine($"\nlatency: {perSecond:N0} rows/s for {duration.TotalSeconds:0} s into a running stream, --flush-every 1s, produce call to commit");
        Console.WriteLine("| rows | p50 | p90 | p99 | max |");
        Console.WriteLine("| --- | --- | --- | --- | --- |");
        Console.WriteLine($"| {sorted.Length:N0} | {Percentile(0.5):N0} ms | {Percentile(0.9):N0} ms | {Percentile(0.99):N0} ms | {sorted[^1]:N0} ms |");
    }

    private static IProducer<byte[]?, byte[]?> Producer(EmbeddedBroker broker) =>
        new ProducerBuilder<byte[]?, byte[]?>(new ProducerConfig
        {
            BootstrapServers = broker.BootstrapServers, EnableIdempotence = true, Acks = Acks.All, LingerMs = 5, CompressionType = CompressionType.Lz4,
        }).Build();

    private static void ProduceRates(IProducer<byte[]?, byte[]?> producer)
    {
        for (var day = From.AddDays(-7); day <= From.AddDays(30); day = day.AddDays(1))
            producer.Produce("exchange-rates-topic", new Message<byte[]?, byte[]?>
            {
                Key = Encoding.UTF8.GetBytes(day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
                Value = SyntheticRatesSource.Render(day),
            });
        producer.Flush(TimeSpan.FromSeconds(30));
    }

    private static Message<byte[]?, byte[]?> Transaction(int i)
    {
        var day = From.AddDays(i % 30).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var amount = ((i * 7919L % 500_000) / 100m).ToString(CultureInfo.InvariantCulture);
        var json = $"{{\"txn_id\":\"t{i}\",\"txn_date\":\"{day}\",\"currency\":\"{Currencies[i % Currencies.Length]}\",\"amount\":{amount},\"merchant\":\"m{i % 50}\"}}";
        return new Message<byte[]?, byte[]?> { Key = Encoding.UTF8.GetBytes($"t{i}"), Value = Encoding.UTF8.GetBytes(json) };
    }

    private static string Cpu()
    {
        try
        {
            return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";
        }
        catch (IOException)
        {
            return "unknown CPU";
        }
    }
}
