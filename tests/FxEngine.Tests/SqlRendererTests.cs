using FxEngine.Plan;
using FxEngine.Transforms;

namespace FxEngine.Tests;

/// <summary>What each dialect's text must look like where it cannot be run here (Spark).</summary>
public class SqlRendererTests
{
    private static NormalizationPlan Plan(string location) => new()
    {
        Target = "SGD", TargetScale = 2, MaxStaleDays = 7, Columns = new ColumnMapping(),
        InputColumns = [new("txn_id", "text"), new("txn_date", "date"), new("currency", "text"), new("amount", "decimal", 2, 18)],
        KnownCurrencies = ["SGD", "USD"],
        Input = location + "raw/", Output = location + "out/", Rejects = location + "rejects/", RateTable = location + "rates.parquet",
    };

    [Theory]
    [InlineData(nameof(SqlDialect.DuckDb), "s3://b/it's a\\b d\u00e9/", "'s3://b/it''s a\\b d\u00e9/'")]
    [InlineData(nameof(SqlDialect.Spark), "s3://b/it's a\\b d\u00e9/", "'s3://b/it\\'s a\\\\b d\\u00e9/'")]
    [InlineData(nameof(SqlDialect.Spark), "line\nbreak\t\u6570\U0001F600", "'line\\u000abreak\\u0009\\u6570\\ud83d\\ude00'")]
    [InlineData(nameof(SqlDialect.Spark), "\\u0041 is not A", "'\\\\u0041 is not A'")]
    [InlineData(nameof(SqlDialect.Spark), "s3://b/${x}/", "'s3://b/\\u0024{x}/'")]
    [InlineData(nameof(SqlDialect.DuckDb), "s3://b/${x}/", "'s3://b/${x}/'")]
    public void Literal_QuoteBackslashAndNonAscii_EscapedTheDialectsWay(string dialect, string text, string expected)
    {
        // By name: the dialect enum is internal, and a public test method cannot take it.
        Assert.Equal(expected, SqlRenderer.Literal(Enum.Parse<SqlDialect>(dialect), text));
    }

    [Fact]
    public void Literal_SparkOddPath_UnescapesToTheSameText()
    {
        const string path = "s3://lake/it's \\ d\u00e9p\u00f4t \u6570\u636e/ '' \\' \\\\ \\u0041 \\047 ${x} end\\";
        Assert.Equal(path, SparkSql.Unescape(SqlRenderer.Literal(SqlDialect.Spark, path)));
    }

    [Fact]
    public void SparkScript_OddLocations_EveryLiteralIsOneSparkTokenOfItsLocation()
    {
        var plan = Plan("s3://lake/o'brien \\ \u00fcber ${x}/");
        var literals = SparkSql.Literals(SqlRenderer.SparkScript(plan, "fxengine")).Select(SparkSql.Unescape).ToList();

        Assert.Contains(plan.Input, literals);
        Assert.Contains(plan.RateTable, literals);
        Assert.Contains(plan.Output, literals);
        Assert.Contains(plan.Rejects, literals);
    }

    [Fact]
    public void SparkScript_AnyPlan_SetsNonAnsiModeAndBackslashLiterals()
    {
        var statements = SqlRenderer.SparkScript(Plan("s3://lake/"), "fxengine").Split(";\n");

        // Before the first statement that depends on them.
        var ansi = Array.IndexOf(statements, "SET spark.sql.ansi.enabled=false");
        var escapes = Array.FindIndex(statements, s => s.EndsWith("SET spark.sql.parser.escapedStringLiterals=false", StringComparison.Ordinal));
        var firstView = Array.FindIndex(statements, s => s.StartsWith("CREATE", StringComparison.Ordinal));
        Assert.InRange(ansi, 0, firstView - 1);
        Assert.InRange(escapes, 0, firstView - 1);
    }

    [Theory]
    [InlineData("DuckDb")]
    [InlineData("Spark")]
    public void Classify_EveryColumnItNames_IsAWorkingColumn(string dialect)
    {
        // An input column of a name the SQL gives a column of its own is refused by that list: it must hold every one.
        var named = System.Text.RegularExpressions.Regex.Matches(SqlRenderer.Classify(Plan("s3://lake/"), Enum.Parse<SqlDialect>(dialect)), @"\bAS (fx_\w+)")
            .Select(m => m.Groups[1].Value).ToHashSet(StringComparer.OrdinalIgnoreCase);

        Assert.Equal(named.Order(), SqlRenderer.WorkingColumns.Order(StringComparer.OrdinalIgnoreCase));
    }

    [Fact]
    public void Classify_Spark_CodeCheckIsExactWithoutJavaDollar()
    {
        var sql = SqlRenderer.Classify(Plan("s3://lake/"), SqlDialect.Spark);

        // RLIKE is Matcher.find, whose $ also matches before a final line terminator: the length
        // ends the code instead. The trim anchors are \A and \z (the same in Java and RE2), not ^ and $.
        Assert.Contains("CASE WHEN (length(t.fx_text) = 3 AND t.fx_text RLIKE '^[A-Za-z]{3}') THEN upper(t.fx_text) END AS fx_code", sql);
        Assert.Contains("regexp_replace(t.`currency`, '\\\\A[ \\\\t\\\\r\\\\n]+|[ \\\\t\\\\r\\\\n]+\\\\z', '')", sql);
        Assert.Equal("\\A[ \\t\\r\\n]+|[ \\t\\r\\n]+\\z", SparkSql.Unescape(SparkSql.Literals(sql).First(l => l.Contains("\\\\A", StringComparison.Ordinal))));
    }
}

/// <summary>
/// Spark SQL's string-literal rules as its lexer and parser apply them (escapedStringLiterals
/// off): a literal is <c>'</c> (any character but <c>'</c> and <c>\</c>, or <c>\</c> and any
/// character)* <c>'</c>; <c>\uXXXX</c> is a UTF-16 unit, <c>\</c> and three octal digits a char,
/// <c>\n \t \r \b \0 \Z</c> control characters, <c>\%</c> and <c>\_</c> stay as written, and
/// <c>\</c> before anything else is that character (<c>\U</c> and eight hex digits, never
/// written by the renderer, is left out).
/// </summary>
internal static class SparkSql
{
    /// <summary>Every single-quoted literal outside comments and backquoted names, as written.</summary>
    public static IEnumerable<string> Literals(string sql)
    {
        for (var i = 0; i < sql.Length; i++)
        {
            if (sql[i] == '-' && i + 1 < sql.Length && sql[i + 1] == '-')
                i = sql.IndexOf('\n', i) is var end and >= 0 ? end : sql.Length;
            else if (sql[i] == '`')
                i = sql.IndexOf('`', i + 1);
            else if (sql[i] == '\'')
            {
                var start = i++;
                while (sql[i] != '\'')
                    i += sql[i] == '\\' ? 2 : 1;
                yield return sql[start..(i + 1)];
            }
        }
    }

    public static string Unescape(string literal)
    {
        Assert.True(literal.Length >= 2 && literal[0] == '\'' && literal[^1] == '\'', literal);
        var text = new System.Text.StringBuilder();
        for (var i = 1; i < literal.Length - 1; i++)
        {
            var c = literal[i];
            Assert.True(c != '\'', $"an unescaped quote ends {literal} early");
            if (c != '\\')
            {
                text.Append(c);
                continue;
            }
            var next = literal[++i];
            if (next == 'u' && i + 4 < literal.Length - 1 && literal.Substring(i + 1, 4).All(char.IsAsciiHexDigit))
            {
                text.Append((char)Convert.ToInt32(literal.Substring(i + 1, 4), 16));
                i += 4;
            }
            else if (next is '0' or '1' && i + 2 < literal.Length - 1 && char.IsBetween(literal[i + 1], '0', '7') && char.IsBetween(literal[i + 2], '0', '7'))
            {
                text.Append((char)Convert.ToInt32(literal.Substring(i, 3), 8));
                i += 2;
            }
            else
                text.Append(next switch
                {
                    '0' => "\0", 'b' => "\b", 'n' => "\n", 'r' => "\r", 't' => "\t", 'Z' => "\u001a",
                    '%' => "\\%", '_' => "\\_", _ => next.ToString(),
                });
        }
        return text.ToString();
    }
}
