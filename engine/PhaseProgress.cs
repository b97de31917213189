namespace FxEngine;

/// <summary>
/// How far a long phase of a job has come: <see cref="Done"/> units of <see cref="Total"/>
/// (-1 when unknown), for a front end to show with a rate and an ETA.
/// </summary>
public readonly record struct PhaseProgress(string Phase, long Done, long Total, string Unit);
