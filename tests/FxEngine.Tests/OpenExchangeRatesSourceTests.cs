using System.Text;
using FxEngine.Sources.Rates;
using static FxEngine.Tests.TestData;

namespace FxEngine.Tests;

/// <summary>The OXR client against a local server speaking the API: success, every error, retries, redaction.</summary>
public class OpenExchangeRatesSourceTests : IDisposable
{
    private const string AppId = "0123456789abcdef0123456789abcdef";
    private readonly OxrServer _server = new();
    private readonly HttpClient _http = new();
    private readonly List<TimeSpan> _waits = [];
    private readonly List<string> _log = [];

    public void Dispose()
    {
        _http.Dispose();
        _server.Dispose();
    }

    private OpenExchangeRatesSource Source(string @base = "USD") => new(_http,
        new OpenExchangeRatesOptions { AppId = AppId, BaseAddress = _server.BaseAddress, Base = @base, MaxAttempts = 4 },
        (wait, _) => { _waits.Add(wait); return Task.CompletedTask; }, _log.Add);

    private static string Body(string date) => SnapshotJson(D(date), ("SGD", "1.3412"), ("EUR", "0.9213"));

    [Fact]
    public async Task FetchAsync_Historical_ReturnsBodyByteForByte()
    {
        _server.Script("historical/2024-02-29.json", new OxrServer.Reply(200, Body("2024-02-29")));
        var message = await Source().FetchAsync(D("2024-02-29"), default);
        Assert.Equal(Body("2024-02-29"), Encoding.UTF8.GetString(message.Value.Span));
        Assert.Equal("2024-02-29", message.Key);
        Assert.Equal("openexchangerates", message.Source);
        Assert.Equal($"/api/historical/2024-02-29.json?app_id={AppId}", Assert.Single(_server.Requests));
    }

    [Fact]
    public async Task FetchLatestAsync_DatesByTimestamp()
    {
        _server.Script("latest.json", new OxrServer.Reply(200, Body("2024-03-05")));
        var message = await Source().FetchLatestAsync(default);
        Assert.Equal("2024-03-05", message.Key);
    }

    [Theory]
    [InlineData(401, "invalid_app_id", "check OXR_APP_ID")]
    [InlineData(401, "missing_app_id", "set OXR_APP_ID")]
    [InlineData(429, "not_allowed", "quota used up")]
    [InlineData(403, "not_allowed", "upgrade the plan")]
    [InlineData(403, "access_restricted", "access is restricted")]
    public async Task FetchAsync_PermanentError_FailsAtOnceWithCauseAndNoSecret(int status, string message, string advice)
    {
        _server.Script("historical/2024-01-01.json", OxrServer.Error(status, message, $"Details about {message}."));
        var error = await Assert.ThrowsAsync<FxException>(() => Source().FetchAsync(D("2024-01-01"), default));
        Assert.Contains($"HTTP {status} {message}", error.Message);
        Assert.Contains(advice, error.Message);
        Assert.Single(_server.Requests);
        Assert.Empty(_waits);
        Assert.DoesNotContain(AppId, error.ToString());
    }

    [Fact]
    public async Task FetchAsync_ServerEchoesAppId_ItIsScrubbed()
    {
        _server.Script("historical/2024-01-01.json", OxrServer.Error(403, "access_restricted", $"Access restricted for app {AppId}."));
        var source = new OpenExchangeRatesSource(_http, new OpenExchangeRatesOptions { AppId = AppId, BaseAddress = _server.BaseAddress });
        _server.Script("historical/2024-01-02.json", OxrServer.Error(418, "teapot", $"I am a teapot, {AppId}."));
        var restricted = await Assert.ThrowsAsync<FxException>(() => source.FetchAsync(D("2024-01-01"), default));
        var unexpected = await Assert.ThrowsAsync<FxException>(() => source.FetchAsync(D("2024-01-02"), default));
        Assert.DoesNotContain(AppId, restricted.ToString());
        Assert.DoesNotContain(AppId, unexpected.ToString());
        Assert.Contains("I am a teapot, [app_id].", unexpected.Message);
    }

    [Fact]
    public async Task FetchAsync_InvalidBase_SaysItNeedsAPaidPlan()
    {
        _server.Script("historical/2024-01-01.json", OxrServer.Error(400, "invalid_base", "Invalid base."));
        var error = await Assert.ThrowsAsync<FxException>(() => Source("EUR").FetchAsync(D("2024-01-01"), default));
        Assert.Contains("base 'EUR' is not available; a base other than USD needs a paid plan", error.Message);
        Assert.Contains("base=EUR", Assert.Single(_server.Requests));
    }

    [Fact]
    public async Task FetchAsync_TransientThenSuccess_RetriesHonouringRetryAfter()
    {
        _server.Script("historical/2024-01-02.json",
            OxrServer.Error(503, "server_error", "Try later."),
            OxrServer.Error(429, "too_many_requests", "Slow down.") with { RetryAfter = "7" },
            new OxrServer.Reply(200, Body("2024-01-02")));
        var message = await Source().FetchAsync(D("2024-01-02"), default);
        Assert.Equal("2024-01-02", message.Key);
        Assert.Equal(3, _server.Requests.Count);
        Assert.Equal(2, _waits.Count);
        Assert.InRange(_waits[0], TimeSpan.FromSeconds(0.8), TimeSpan.FromSeconds(1.2)); // first backoff with jitter
        Assert.Equal(TimeSpan.FromSeconds(7), _waits[1]);                                 // Retry-After wins
    }

    [Fact]
    public async Task FetchAsync_TransientEveryTime_GivesUpAfterMaxAttemptsWithoutSecret()
    {
        _server.Script("historical/2024-01-03.json", Enumerable.Repeat(OxrServer.Error(502, "bad_gateway", "Upstream."), 10).ToArray());
        var error = await Assert.ThrowsAsync<FxException>(() => Source().FetchAsync(D("2024-01-03"), default));
        Assert.Contains("HTTP 502 bad_gateway; gave up after 4 attempts", error.Message);
        Assert.Equal(4, _server.Requests.Count);
        Assert.DoesNotContain(AppId, error.ToString());
    }

    [Fact]
    public async Task FetchAsync_Transient_LogsEachRetryAndItsWaitWithoutSecret()
    {
        _server.Script("historical/2024-01-04.json",
            OxrServer.Error(503, "server_error", "Try later."),
            OxrServer.Error(429, "too_many_requests", "Slow down.") with { RetryAfter = "7" },
            new OxrServer.Reply(200, Body("2024-01-04")));
        await Source().FetchAsync(D("2024-01-04"), default);
        Assert.Equal(2, _log.Count);
        Assert.StartsWith("Open Exchange Rates historical/2024-01-04.json: HTTP 503", _log[0]);
        Assert.EndsWith("(attempt 2 of 4)", _log[0]);
        Assert.Contains("retrying in 7.0 s (attempt 3 of 4)", _log[1]);
        Assert.All(_log, line => Assert.DoesNotContain(AppId, line));
    }

    [Theory]
    [InlineData("{\"timestamp\":1704153599,\"base\":\"USD\",\"rates\":{\"SGD\":", "malformed JSON")]
    [InlineData("{\"timestamp\":1704153599,\"base\":\"USD\",\"rates\":{\"SGD\":-1}}", "not a positive number")]
    [InlineData("<html>maintenance</html>", "malformed JSON")]
    public async Task FetchAsync_MalformedBody_IsNeverReturned(string body, string problem)
    {
        _server.Script("historical/2024-01-01.json", new OxrServer.Reply(200, body));
        var error = await Assert.ThrowsAsync<FxException>(() => Source().FetchAsync(D("2024-01-01"), default));
        Assert.Contains(problem, error.Message);
        Assert.StartsWith("Open Exchange Rates historical/2024-01-01.json: ", error.Message);
    }

    [Fact]
    public async Task FetchAsync_ServerDown_RetriesThenFailsWithoutSecret()
    {
        var deadAddress = _server.BaseAddress;
        _server.Dispose();
        var source = new OpenExchangeRatesSource(_http, new OpenExchangeRatesOptions { AppId = AppId, BaseAddress = deadAddress, MaxAttempts = 2 },
            (wait, _) => { _waits.Add(wait); return Task.CompletedTask; });
        var error = await Assert.ThrowsAsync<FxException>(() => source.FetchAsync(D("2024-01-01"), default));
        Assert.Contains("connection failed", error.Message);
        Assert.Single(_waits);
        Assert.DoesNotContain(AppId, error.ToString());
    }

    [Fact]
    public void Constructor_NoAppId_SaysWhichVariable()
    {
        var error = Assert.Throws<FxException>(() => new OpenExchangeRatesSource(_http, new OpenExchangeRatesOptions()));
        Assert.Contains("OXR_APP_ID", error.Message);
    }
}
