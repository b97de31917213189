namespace FxEngine.Jobs;

/// <summary>
/// What the sink did: snapshots landed, messages sent to the dead-letter topic, and snapshots the
/// lake already had or had a later copy of (<see cref="Kept"/>: consumed, nothing written).
/// </summary>
public sealed record LakeSinkResult(int Written, int DeadLettered, int Kept = 0);
