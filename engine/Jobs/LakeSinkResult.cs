namespace FxEngine.Jobs;

/// <summary>What the sink did: snapshots landed and messages sent to the dead-letter topic.</summary>
public sealed record LakeSinkResult(int Written, int DeadLettered);
