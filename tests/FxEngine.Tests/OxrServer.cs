using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace FxEngine.Tests;

/// <summary>
/// A local HTTP server speaking the Open Exchange Rates API's paths and JSON shapes: each
/// path answers from a script of responses, and every request is recorded.
/// </summary>
internal sealed class OxrServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentDictionary<string, ConcurrentQueue<Reply>> _scripts = new();
    private readonly Task _loop;

    public sealed record Reply(int Status, string Body, string? RetryAfter = null);

    public OxrServer()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        BaseAddress = new Uri($"http://127.0.0.1:{port}/api/");
        _listener.Prefixes.Add(BaseAddress.ToString());
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public Uri BaseAddress { get; }

    /// <summary>Path and query of every request, in order.</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    public void Script(string path, params Reply[] replies) => _scripts[path] = new ConcurrentQueue<Reply>(replies);

    public static Reply Error(int status, string message, string description) =>
        new(status, $"{{\"error\":true,\"status\":{status},\"message\":\"{message}\",\"description\":\"{description}\"}}");

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception) { return; }
            var path = context.Request.Url!.AbsolutePath["/api/".Length..];
            Requests.Enqueue(context.Request.Url.PathAndQuery);
            var reply = _scripts.TryGetValue(path, out var queue) && queue.TryDequeue(out var next)
                ? next
                : Error(404, "not_found", "Resource not found");
            context.Response.StatusCode = reply.Status;
            context.Response.ContentType = "application/json";
            if (reply.RetryAfter is not null)
                context.Response.Headers["Retry-After"] = reply.RetryAfter;
            var bytes = Encoding.UTF8.GetBytes(reply.Body);
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
    }

    public void Dispose()
    {
        if (!_listener.IsListening)
            return;
        _listener.Stop();
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(5));
    }
}
