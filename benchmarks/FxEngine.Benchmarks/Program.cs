using BenchmarkDotNet.Running;

// `-- stream`: the stream's throughput and latency harness (not a BenchmarkDotNet benchmark:
// latency needs a running stream and a steady producer, not repeated invocations).
if (args.Length > 0 && args[0] == "stream")
    return await FxEngine.Benchmarks.StreamHarness.RunAsync(args);

BenchmarkSwitcher.FromAssembly(typeof(FxEngine.Benchmarks.NormalizeBenchmark).Assembly).Run(args);
return 0;
