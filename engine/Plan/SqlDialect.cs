namespace FxEngine.Plan;

/// <summary>The SQL engines a plan renders for.</summary>
internal enum SqlDialect { DuckDb, Spark }
