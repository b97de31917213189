namespace FxEngine.Plan;

/// <summary>
/// An input column as the SQL executors see it: name, kind (text, date, timestamp, decimal,
/// integer, double, boolean, binary) and, for numbers, precision and scale.
/// </summary>
internal sealed record PlanColumn(string Name, string Kind, int Scale = 0, int Precision = 0);
