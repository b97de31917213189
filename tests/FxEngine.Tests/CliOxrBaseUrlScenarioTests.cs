using static FxEngine.Tests.TestData;

namespace FxEngine.Tests;

/// <summary>`fxengine run` against a local Open Exchange Rates stub named by OXR_BASE_URL: the rates come from it, the app_id goes only to it.</summary>
[Trait("Category", "Cli")]
public class CliOxrBaseUrlScenarioTests
{
    private const string AppId = "stub-app-id-5f1c";

    [Fact]
    public async Task Run_OxrBaseUrlOnLoopback_FetchesFromStubAndNeverPrintsAppId()
    {
        using var dir = new TempDir();
        using var server = new OxrServer();
        var bodies = new[] { "2024-01-01", "2024-01-02" }.ToDictionary(d => d, d => SnapshotJson(D(d), ("SGD", "1.3412"), ("EUR", "0.9213")));
        foreach (var (date, body) in bodies)
            server.Script($"historical/{date}.json", new OxrServer.Reply(200, body));
        var environment = new Dictionary<string, string?>
        {
            ["OXR_APP_ID"] = AppId,
            ["OXR_BASE_URL"] = server.BaseAddress.ToString().TrimEnd('/'), // "…/api": the missing slash is added
        };

        var result = await Cli.RunWithEnvironmentAsync(dir.Path, environment, "run", "--rows", "200", "--from", "2024-01-01", "--to", "2024-01-02");

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Contains($"rates from Open Exchange Rates at {server.BaseAddress}", result.Stderr);
        Assert.Contains($"/api/historical/2024-01-01.json?app_id={AppId}", server.Requests);
        Assert.Contains($"/api/historical/2024-01-02.json?app_id={AppId}", server.Requests);
        foreach (var (date, body) in bodies)
            Assert.Equal(body, File.ReadAllText(dir.Sub($"lake/exchange_rates/{date}.json")));
        Assert.DoesNotContain(AppId, result.Stdout + result.Stderr);
    }
}
