using static FxEngine.Tests.TestData;

namespace FxEngine.Tests;

/// <summary>Bad input through the real CLI: one clear line on stderr, no stack trace, exit code 1.</summary>
[Trait("Category", "Cli")]
public class CliErrorScenarioTests
{
    private static Task<string> FailsWith(TempDir dir, params string[] args) =>
        FailsWith(dir, new Dictionary<string, string?>(), args);

    private static async Task<string> FailsWith(TempDir dir, IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        var result = await Cli.RunWithEnvironmentAsync(dir.Path, environment, args);
        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", line);
        Assert.DoesNotContain("   at ", result.Stderr);
        return line;
    }

    [Fact]
    public async Task Normalize_CorruptParquet_NamesFile()
    {
        using var dir = new TempDir();
        WriteSnapshot(dir.Sub("rates"), D("2024-01-01"), ("SGD", "1.3"));
        Directory.CreateDirectory(dir.Sub("in"));
        File.WriteAllText(dir.Sub("in/broken.parquet"), "this is not parquet at all");
        var line = await FailsWith(dir, "normalize", "--rates", "rates", "--input", "in", "--output", "out");
        Assert.Contains("broken.parquet: not a readable Parquet file", line);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Normalize_OneFileBesideAFolderItMayNotRead_ReadsTheFileAlone()
    {
        using var dir = OneCsvRowBesideRates();
        var run = await WithFolderNoOneMayReadAsync(dir.Sub("in/private"),
            () => Cli.RunWithoutOverridingPermissionsAsync(dir.Path, "normalize", "--rates", "rates", "--input", "in/t.csv", "--output", "out"));

        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Equal(13m, Assert.Single(Query($"SELECT amount_sgd FROM read_parquet('{Glob(dir.Sub("out"))}')"))["amount_sgd"]);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Normalize_InputFolderHoldsAFolderItMayNotRead_NamesIt()
    {
        using var dir = OneCsvRowBesideRates();
        var run = await WithFolderNoOneMayReadAsync(dir.Sub("in/private"),
            () => Cli.RunWithoutOverridingPermissionsAsync(dir.Path, "normalize", "--rates", "rates", "--input", "in", "--output", "out"));

        Assert.Equal(1, run.ExitCode);
        var line = Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"error: {dir.Sub("in")}: listing it failed: ", line);
        Assert.Contains("private", line);
    }

    /// <summary>A folder with a rate snapshot (rates/) and one 10 USD row for it (in/t.csv).</summary>
    private static TempDir OneCsvRowBesideRates()
    {
        var dir = new TempDir();
        WriteSnapshot(dir.Sub("rates"), D("2024-01-01"), ("SGD", "1.3"));
        Directory.CreateDirectory(dir.Sub("in"));
        File.WriteAllText(dir.Sub("in/t.csv"), "txn_date,currency,amount\n2024-01-01,USD,10\n");
        return dir;
    }

    /// <summary>Runs <paramref name="run"/> while <paramref name="folder"/> exists with mode 000, then gives it back its owner's permissions (so it can be deleted).</summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static async Task<Cli.Result> WithFolderNoOneMayReadAsync(string folder, Func<Task<Cli.Result>> run)
    {
        Directory.CreateDirectory(folder);
        File.SetUnixFileMode(folder, UnixFileMode.None);
        try
        {
            return await run();
        }
        finally
        {
            File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    [Fact]
    public async Task Normalize_MissingColumn_NamesFileColumnAndOption()
    {
        using var dir = new TempDir();
        WriteSnapshot(dir.Sub("rates"), D("2024-01-01"), ("SGD", "1.3"));
        await WriteParquetAsync(dir.Sub("in/t.parquet"), [Dates("txn_date", D("2024-01-01")), Strings("ccy", "USD"), Amounts("amount", 1m)]);
        var line = await FailsWith(dir, "normalize", "--rates", "rates", "--input", "in", "--output", "out");
        Assert.Contains("t.parquet row group 0: currency column 'currency' not found (columns: txn_date, ccy, amount); name it with --currency-column", line);
        Assert.False(File.Exists(dir.Sub("out/_SUCCESS")));
    }

    [Fact]
    public async Task Normalize_EmptyRates_SaysSoAndWhatToDo()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.Sub("rates"));
        await WriteParquetAsync(dir.Sub("in/t.parquet"), [Dates("txn_date", D("2024-01-01")), Strings("currency", "USD"), Amounts("amount", 1m)]);
        var line = await FailsWith(dir, "normalize", "--rates", "rates", "--input", "in", "--output", "out");
        Assert.Contains("no rate snapshots", line);
        Assert.Contains("fetch rates first", line);
    }

    [Fact]
    public async Task Normalize_InvalidRateFile_NamesFileAndCurrency()
    {
        using var dir = new TempDir();
        WriteSnapshot(dir.Sub("rates"), D("2024-01-01"), ("SGD", "1.3"), ("EUR", "-0.9"));
        await WriteParquetAsync(dir.Sub("in/t.parquet"), [Dates("txn_date", D("2024-01-01")), Strings("currency", "USD"), Amounts("amount", 1m)]);
        var line = await FailsWith(dir, "normalize", "--rates", "rates", "--input", "in", "--output", "out");
        Assert.Contains("2024-01-01.json: invalid rate snapshot: rate for 'EUR' is -0.9, not a positive number", line);
    }

    [Fact]
    public async Task Normalize_UnknownTarget_NamesSetting()
    {
        using var dir = new TempDir();
        var line = await FailsWith(dir, "normalize", "--rates", "r", "--input", "i", "--output", "o", "--target", "XXQ");
        Assert.Equal("error: --target 'XXQ' is not an ISO 4217 currency code; use one like SGD, USD or EUR", line);
    }

    [Fact]
    public async Task Normalize_MissingInputFolder_SaysItDoesNotExist()
    {
        using var dir = new TempDir();
        WriteSnapshot(dir.Sub("rates"), D("2024-01-01"), ("SGD", "1.3"));
        var line = await FailsWith(dir, "normalize", "--rates", "rates", "--input", "nowhere", "--output", "out");
        Assert.Contains("nowhere: input location does not exist", line);
    }

    [Theory]
    [InlineData("lake/raw", "lake", "--output lake overlaps --input lake/raw")]
    [InlineData("raw", "./rates/out", "--output ./rates/out overlaps --rates rates")]
    [InlineData("raw", "raw", "--output raw overlaps --input raw")]
    public async Task Normalize_OverlappingLocations_RefusedBeforeAnythingIsDeleted(string input, string output, string message)
    {
        using var dir = new TempDir();
        WriteSnapshot(dir.Sub("rates"), D("2024-01-01"), ("SGD", "1.3"));
        await WriteParquetAsync(dir.Sub($"{input}/t.parquet"), [Dates("txn_date", D("2024-01-01")), Strings("currency", "USD"), Amounts("amount", 1m)]);
        var line = await FailsWith(dir, "normalize", "--rates", "rates", "--input", input, "--output", output);
        Assert.Contains(message, line);
        Assert.True(File.Exists(dir.Sub($"{input}/t.parquet")));
        Assert.True(File.Exists(dir.Sub("rates/2024-01-01.json")));
    }

    [Theory]
    [InlineData("--rows", "-5", "--rows -5 must be at least 1")]
    [InlineData("--workers", "0", "--workers 0 is out of range")]
    [InlineData("--target", "XXQ", "--target 'XXQ' is not an ISO 4217 currency code")]
    public async Task Run_BadOption_FailsBeforeAnyWork(string option, string value, string message)
    {
        using var dir = new TempDir();
        var line = await FailsWith(dir, "run", option, value);
        Assert.Contains(message, line);
        Assert.False(Directory.Exists(dir.Sub("lake")), "the run wrote to the lake before validating its options");
    }

    [Fact]
    public async Task Generate_BadDate_IsAUsageError()
    {
        using var dir = new TempDir();
        var result = await Cli.RunAsync(dir.Path, "generate", "--rows", "10", "--out", "x", "--from", "2024-02-30");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--from '2024-02-30' is not a date; use YYYY-MM-DD", result.Stderr);
    }

    [Fact]
    public async Task Generate_RowsPerFileAndRowGroupRows_ShapeTheFilesAndZeroIsRefused()
    {
        using var dir = new TempDir();
        var result = await Cli.RunAsync(dir.Path, "generate", "--rows", "50", "--out", "raw", "--from", "2024-01-01", "--to", "2024-01-02",
            "--rows-per-file", "20", "--row-group-rows", "8");
        Assert.Equal(0, result.ExitCode);
        var files = RowGroups(dir.Sub("raw"));
        Assert.Equal(new long[][] { [8, 8, 4], [8, 8, 4], [8, 2] }, files.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => f.Value.ToArray()));

        var line = await FailsWith(dir, "generate", "--rows", "50", "--out", "other", "--row-group-rows", "0");
        Assert.Contains("--row-group-rows 0 must be at least 1", line);
        line = await FailsWith(dir, "generate", "--rows", "50", "--out", "other", "--rows-per-file", "0");
        Assert.Contains("--rows-per-file 0 must be at least 1", line);
    }

    [Fact]
    public async Task GenerateAndEmrPlan_FolderThatIsAFile_NamesItInsteadOfCrashing()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.Sub("taken"), "a file, not a folder");
        var generate = await FailsWith(dir, "generate", "--rows", "10", "--out", "taken/raw", "--from", "2024-01-01", "--to", "2024-01-02");
        Assert.Contains($"its folder {dir.Sub("taken/raw")} cannot be created", generate);

        var rates = await Cli.RunAsync(dir.Path, "generate", "--rows", "30", "--out", "raw", "--from", "2024-01-01", "--to", "2024-01-02");
        Assert.Equal(0, rates.ExitCode);
        WriteSyntheticRates(dir.Sub("rates"), D("2024-01-01"), D("2024-01-02"));
        var plan = await FailsWith(dir, "emr", "plan", "--rates", "rates", "--input", "raw", "--output", "s3://fx-lake/processed_data/", "--staging", "taken/jobs");
        Assert.Contains($"its folder {dir.Sub("taken/jobs")} cannot be created", plan);
    }

    [Fact]
    public async Task Normalize_S3WithNoRegionOrEndpoint_SaysHowToSetThem()
    {
        using var dir = new TempDir();
        // Nothing in the AWS chain can supply a region: no variables, no config files, no instance metadata.
        var environment = new Dictionary<string, string?>
        {
            ["AWS_REGION"] = null, ["AWS_DEFAULT_REGION"] = null, ["AWS_PROFILE"] = null, ["AWS_DEFAULT_PROFILE"] = null,
            ["AWS_ENDPOINT_URL"] = null, ["AWS_ENDPOINT_URL_S3"] = null,
            ["AWS_CONFIG_FILE"] = dir.Sub("no-aws-config"), ["AWS_SHARED_CREDENTIALS_FILE"] = dir.Sub("no-aws-credentials"),
            ["AWS_EC2_METADATA_DISABLED"] = "true",
        };
        var line = await FailsWith(dir, environment, "normalize", "--rates", "s3://my-bucket/exchange_rates/", "--input", "in", "--output", "out");
        Assert.StartsWith("error: s3://my-bucket/exchange_rates/: ", line);
        Assert.Contains("set AWS_REGION", line);
        Assert.Contains("AWS_ENDPOINT_URL_S3", line);
    }

    [Fact]
    public async Task Generate_FolderWithInputFiles_RefusesAndKeepsThem()
    {
        using var dir = new TempDir();
        var first = await Cli.RunAsync(dir.Path, "generate", "--rows", "30", "--out", "raw", "--from", "2024-01-01", "--to", "2024-01-02");
        Assert.Equal(0, first.ExitCode);
        var before = File.ReadAllBytes(dir.Sub("raw/transactions-00000.parquet"));

        var line = await FailsWith(dir, "generate", "--rows", "10", "--out", "raw", "--seed", "7");
        Assert.Contains($"{dir.Sub("raw")}: already holds 1 Parquet/CSV input file(s) (transactions-00000.parquet)", line);
        Assert.Contains("choose an empty folder for --out, or delete those files first", line);
        Assert.Equal(before, File.ReadAllBytes(dir.Sub("raw/transactions-00000.parquet")));
    }

    [Theory]
    [InlineData("http://rates.example.com/api/", "OXR_BASE_URL http://rates.example.com/api/: use https (plain http is allowed only for a loopback host")]
    [InlineData("https://rates.example.com/api/?app_id=secret-app-id-77", "OXR_BASE_URL https://rates.example.com/api/: give the API root without credentials, query or fragment")]
    [InlineData("https://user:secret-app-id-77@rates.example.com/api/", "OXR_BASE_URL https://rates.example.com/api/: give the API root without credentials")]
    [InlineData("rates.example.com/api?app_id=secret-app-id-77", "OXR_BASE_URL 'rates.example.com/api?app_id=[app_id]' is not an http(s) URL")]
    public async Task Produce_UnsafeOrInvalidOxrBaseUrl_RefusedWithoutEchoingAppId(string baseUrl, string message)
    {
        using var dir = new TempDir();
        var environment = new Dictionary<string, string?> { ["OXR_APP_ID"] = "secret-app-id-77", ["OXR_BASE_URL"] = baseUrl };
        var line = await FailsWith(dir, environment, "produce", "--date", "2024-01-01", "--bootstrap-servers", "127.0.0.1:9");
        Assert.Contains(message, line);
        Assert.DoesNotContain("secret-app-id-77", line);
    }

    [Fact]
    public async Task Produce_OxrBaseUrlWithoutAppId_SaysToSetIt()
    {
        using var dir = new TempDir();
        var line = await FailsWith(dir, new Dictionary<string, string?> { ["OXR_BASE_URL"] = "http://127.0.0.1:1/api/" },
            "produce", "--date", "2024-01-01", "--bootstrap-servers", "127.0.0.1:9");
        Assert.Equal("error: OXR_BASE_URL is set but OXR_APP_ID is not: export OXR_APP_ID (any value a local stub accepts), or unset OXR_BASE_URL for synthetic rates", line);
    }
}
