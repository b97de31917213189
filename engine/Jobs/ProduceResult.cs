namespace FxEngine.Jobs;

/// <summary>What a produce run did: snapshots published, and backfill days skipped because the lake had them.</summary>
public sealed record ProduceResult(int Published, int Skipped);
