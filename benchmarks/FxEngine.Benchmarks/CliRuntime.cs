using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;

namespace FxEngine.Benchmarks;

/// <summary>
/// The runtime settings the fxengine CLI ships with (server GC, non-concurrent, conserve memory
/// 9, DATAS on, tiered compilation off, thread-pool hill climbing off), so the figure is what users get; memory diagnoser on.
/// </summary>
internal sealed class CliRuntime : ManualConfig
{
    public CliRuntime()
    {
        AddJob(Job.Default
            .WithStrategy(RunStrategy.Monitoring).WithLaunchCount(1).WithWarmupCount(3).WithIterationCount(8)
            .WithGcServer(true).WithGcConcurrent(false)
            .WithEnvironmentVariables(new EnvironmentVariable("DOTNET_TieredCompilation", "0"), new EnvironmentVariable("DOTNET_GCConserveMemory", "9"),
                new EnvironmentVariable("DOTNET_GCDynamicAdaptationMode", "1"), new EnvironmentVariable("DOTNET_HillClimbing_Disable", "1")));
        AddDiagnoser(MemoryDiagnoser.Default);
    }
}
