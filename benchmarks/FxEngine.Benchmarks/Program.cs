using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(FxEngine.Benchmarks.NormalizeBenchmark).Assembly).Run(args);
