using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace FxEngine.Tests;

/// <summary>
/// Installs (npm, once) and starts s3rver on a free loopback port for the S3 scenarios, with a
/// bucket created; points the AWS SDK at it through the standard environment variables.
/// </summary>
public sealed class S3rverFixture : IAsyncLifetime
{
    public const string Bucket = "fx-test";
    private readonly TempDir _data = new();
    private Process? _server;

    public Uri Endpoint { get; private set; } = null!;

    /// <summary>Where s3rver keeps an object's body on disk, apart from its ETag.</summary>
    public string ObjectFile(string key) => System.IO.Path.Combine(_data.Path, Bucket, $"{key}._S3rver_object");

    public async Task InitializeAsync()
    {
        var folder = Path.Combine(RepositoryRoot(), "tests", "s3rver");
        var script = Path.Combine(folder, "node_modules", "s3rver", "bin", "s3rver.js");
        if (!File.Exists(script))
            await RunAsync("npm", folder, "install", "--no-audit", "--no-fund");

        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        Endpoint = new Uri($"http://127.0.0.1:{port}");

        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { script, "-d", _data.Path, "-a", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--silent", "--configure-bucket", Bucket })
            start.ArgumentList.Add(arg);
        _server = Process.Start(start)!;
        _server.OutputDataReceived += (_, _) => { };
        _server.ErrorDataReceived += (_, _) => { };
        _server.BeginOutputReadLine();
        _server.BeginErrorReadLine();

        // s3rver's own default credentials; the store reads them like any AWS credentials.
        Environment.SetEnvironmentVariable("AWS_ENDPOINT_URL_S3", Endpoint.ToString());
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", "S3RVER");
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", "S3RVER");
        Environment.SetEnvironmentVariable("AWS_REGION", "us-east-1");

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !_server.HasExited)
            {
                await Task.Delay(100);
            }
        }
    }

    public async Task DisposeAsync()
    {
        if (_server is { HasExited: false })
        {
            _server.Kill(entireProcessTree: true);
            await _server.WaitForExitAsync();
        }
        _server?.Dispose();
        _data.Dispose();
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "FxEngine.sln")))
                return dir.FullName;
        throw new InvalidOperationException("cannot find the repository root (FxEngine.sln) above the test binaries");
    }

    private static async Task RunAsync(string command, string folder, params string[] args)
    {
        var start = new ProcessStartInfo(command) { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{command} {string.Join(' ', args)} failed in {folder}: {await output}{await error}");
    }
}

[CollectionDefinition(Name)]
public sealed class S3Collection : ICollectionFixture<S3rverFixture>
{
    public const string Name = "s3rver";
}
