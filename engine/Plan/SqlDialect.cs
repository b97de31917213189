namespace FxEngine.Plan;

/// <summary>The SQL engines a plan renders for.</summary>
public enum SqlDialect { DuckDb, Spark }
