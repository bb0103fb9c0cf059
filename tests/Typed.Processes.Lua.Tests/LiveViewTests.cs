using System.Diagnostics;
using System.Net.Http;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Typed.Processes.LiveView;
using Xunit;

namespace Typed.Processes.Lua.Tests;

/// <summary>
/// The live view of a running application: <c>tproc serve --http 127.0.0.1:0</c> (a real tproc process) serves the
/// snapshot's JSON and the page; headless Chromium (Debian's chromium package) renders the page, and the DOM it
/// produced must show the application's processes.
/// </summary>
public sealed class LiveViewTests : IAsyncDisposable
{
    private const string Chromium = "/usr/bin/chromium";
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(15);
    private readonly Process _tproc;
    private readonly Channel<string> _stderr = Channel.CreateUnbounded<string>();
    private readonly string _profile = Path.Combine(Path.GetTempPath(), "tproc-chromium-" + Guid.NewGuid().ToString("N"));

    public LiveViewTests()
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "tproc.dll"), "serve", TopTests.LiveApp, "--http", "127.0.0.1:0", "--grace", "1s" })
            info.ArgumentList.Add(a);
        _tproc = new Process { StartInfo = info };
        _tproc.ErrorDataReceived += (_, e) => { if (e.Data is { } d) _stderr.Writer.TryWrite(d); };
        _tproc.OutputDataReceived += (_, _) => { };
        _tproc.Start();
        _tproc.BeginErrorReadLine();
        _tproc.BeginOutputReadLine();
    }

    /// <summary>The page's URL, from tproc's "live view at" line.</summary>
    private async Task<string> Url()
    {
        const string prefix = "tproc: live view at ";
        while (true)
        {
            var line = await _stderr.Reader.ReadAsync().AsTask().WaitAsync(Guard);
            if (line.StartsWith(prefix, StringComparison.Ordinal)) return line[prefix.Length..];
            Assert.StartsWith("tproc: warning", line); // anything else is a failure to start
        }
    }

    private static async Task<(int Code, string Out, string Err)> Run(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try { await p.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { p.Kill(entireProcessTree: true); throw; }
        return (p.ExitCode, await output, await error);
    }

    [Fact]
    public async Task The_snapshot_JSON_and_the_page_rendered_by_Chromium_show_the_running_application()
    {
        if (OperatingSystem.IsWindows()) return;
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: install Debian's chromium package (apt-get install chromium; .ci/run does it)");
        var url = await Url();
        Assert.EndsWith("/processes", url);

        // The JSON: the supervisors of the two services, the dispatcher (registered, linked to and monitoring its
        // three workers), the workers and the feeder.
        using var http = new HttpClient { Timeout = Guard };
        JsonElement root;
        JsonElement[] processes;
        var deadline = DateTime.UtcNow + Guard;
        while (true)
        {
            using var doc = JsonDocument.Parse(await http.GetStringAsync(url + "/snapshot"));
            root = doc.RootElement.Clone();
            processes = root.GetProperty("processes").EnumerateArray().ToArray();
            // Services start in order; the feeder is the last process (wait for it rather than assume it is up).
            if (processes.Any(p => p.GetProperty("entry").GetString() == "demo:feeder")) break;
            Assert.True(DateTime.UtcNow < deadline, "the feeder never appeared: " + root);
            await Task.Delay(50);
        }
        string Entry(JsonElement p) => p.GetProperty("entry").GetString()!;
        Assert.Equal("demo:processes", root.GetProperty("hosts")[0].GetProperty("reference").GetString());
        Assert.Equal(2, root.GetProperty("hosts")[0].GetProperty("workers").GetInt32());
        var dispatcher = Assert.Single(processes, p => Entry(p) == "demo:dispatcher");
        var workers = processes.Where(p => Entry(p) == "demo:worker").ToArray();
        Assert.Equal(3, workers.Length);
        Assert.Equal(["dispatcher"], dispatcher.GetProperty("names").EnumerateArray().Select(n => n.GetString()));
        var workerPids = workers.Select(w => w.GetProperty("pid").GetString()).ToHashSet();
        Assert.Subset(dispatcher.GetProperty("links").EnumerateArray().Select(l => l.GetString()).ToHashSet(), workerPids);
        Assert.Equal(workerPids, dispatcher.GetProperty("monitors").EnumerateArray().Select(l => l.GetString()).ToHashSet());
        Assert.All(workers, w => Assert.Equal(dispatcher.GetProperty("pid").GetString(), w.GetProperty("parent").GetString()));
        Assert.All(workers, w => Assert.True(w.GetProperty("memory_bytes").GetInt64() > 0));
        var supervisors = processes.Where(p => p.GetProperty("children").ValueKind == JsonValueKind.Array).ToArray();
        Assert.Equal(2, supervisors.Length);
        Assert.All(supervisors, s => Assert.Equal("typed:supervisor", Entry(s)));
        Assert.Contains(supervisors, s => s.GetProperty("children")[0].GetProperty("pid").GetString() == dispatcher.GetProperty("pid").GetString());
        Assert.Contains(dispatcher.GetProperty("state").GetString(), new[] { "running", "runnable", "waiting" });

        // The page, rendered by Chromium: a row per process (its PID number and entry) and a node per process in the tree.
        Directory.CreateDirectory(_profile);
        var (code, dom, err) = await Run(Chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--user-data-dir=" + _profile,
            "--virtual-time-budget=5000", "--dump-dom", url);
        Assert.True(code == 0, $"chromium exited with {code}: {err}");
        Assert.Matches("<span id=\"status\"( class=\"\")?></span>", dom); // no error reading the JSON
        foreach (var p in processes)
        {
            var pid = p.GetProperty("pid").GetString()!;
            var id = p.GetProperty("id").GetInt64();
            var row = $"<tr data-pid=\"{System.Net.WebUtility.HtmlEncode(pid)}\"";
            var at = dom.IndexOf(row, StringComparison.Ordinal);
            Assert.True(at >= 0, $"no table row for {pid} in the rendered page:\n{dom}");
            var rowHtml = dom[at..dom.IndexOf("</tr>", at, StringComparison.Ordinal)];
            Assert.Contains($">{id}</td>", rowHtml);
            Assert.Contains($">{Entry(p)}</td>", rowHtml);
            Assert.Contains($"<g class=\"node{(Entry(p) == "typed:supervisor" ? " sup" : "")}\"", dom);
        }
        Assert.Equal(processes.Length, CountOf(dom, "<g class=\"node"));
        Assert.Matches(@"\d+ processes · 1 hosts", dom);
    }

    private static int CountOf(string text, string what)
    {
        int n = 0;
        for (int i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + 1, StringComparison.Ordinal)) n++;
        return n;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_tproc.HasExited)
        {
            _tproc.Kill(entireProcessTree: true);
            await _tproc.WaitForExitAsync();
        }
        _tproc.Dispose();
        try { Directory.Delete(_profile, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary><see cref="LiveViewEndpointRouteBuilderExtensions.MapTypedProcessesLiveView(Microsoft.AspNetCore.Routing.IEndpointRouteBuilder, string)"/>
/// in an ASP.NET Core application: the runtime comes from the application's services.</summary>
public sealed class LiveViewEndpointTests
{
    [Fact]
    public async Task The_endpoint_serves_the_page_and_the_snapshot_of_the_runtime_registered_in_the_services()
    {
        await using var runtime = new ProcessRuntime();
        runtime.Hosts.Add("app:web", workers: 1);
        runtime.Entries.Add("app:idle", async ctx => await ctx.Listen("never").ReceiveAsync());
        var pid = runtime.Spawn("app:idle", "app:web").Value;
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(runtime);
        await using var app = builder.Build();
        app.MapTypedProcessesLiveView("/ops/processes");
        await app.StartAsync();
        var url = app.Urls.First() + "/ops/processes";
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(15) };
        var page = await http.GetAsync(url);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("<svg id=\"graph\"", html);
        Assert.DoesNotMatch("(src|href)=\"https?:", html); // self-contained: nothing fetched from elsewhere
        using var doc = JsonDocument.Parse(await http.GetStringAsync(url + "/snapshot"));
        var p = Assert.Single(doc.RootElement.GetProperty("processes").EnumerateArray());
        Assert.Equal(pid.ToString(), p.GetProperty("pid").GetString());
        Assert.Equal("app:idle", p.GetProperty("entry").GetString());
        Assert.Equal(JsonValueKind.Null, p.GetProperty("memory_bytes").ValueKind);
        Assert.Equal(JsonValueKind.Null, p.GetProperty("children").ValueKind);
        await app.StopAsync();
    }
}
