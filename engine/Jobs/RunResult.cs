namespace FxEngine.Jobs;

/// <summary>What <see cref="RunJob"/> did, and how long the whole run and each step took.</summary>
public sealed record RunResult(int RatesFetched, int RatesSkipped, bool GeneratedSample, NormalizeResult Normalize,
    TimeSpan Elapsed, TimeSpan GenerateTime, TimeSpan RatesTime);
