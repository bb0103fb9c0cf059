using System.Diagnostics;
using System.Runtime.InteropServices;
using Xunit;

namespace Typed.Processes.Lua.Tests;

/// <summary>tproc and services: <c>run</c> starts the auto_start services before the entry; <c>serve</c> runs them until a
/// signal, then stops them in reverse order and exits 0.</summary>
public class CliServeTests
{
    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);

    private const int SigTerm = 15;
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    private const string Services = """
        namespace: s
        entries:
          - name: worker
            kind: process.lua
            source: |
              return { main = function(name, reg)
                if reg then process.registry.register(reg) end
                local events = process.events()
                print(name .. " up")
                while true do
                  local e = events:receive()
                  if e.kind == process.event.CANCEL then print(name .. " down") return "stopped" end
                end
              end }
          - name: web
            kind: process.service
            process: s:worker
            host: app:processes
            input: [web, web]
            lifecycle:
              requires: [s:db]
          - name: db
            kind: process.service
            process: s:worker
            host: app:processes
            input: [db]
          - name: later
            kind: process.service
            process: s:worker
            host: app:processes
            input: [later]
            lifecycle:
              auto_start: false
          - name: probe
            kind: process.lua
            source: |
              return { main = function() return process.registry.lookup("web") ~= nil end }
        """;

    private static TempDir App(string services = Services)
    {
        var tmp = new TempDir();
        tmp.Write("_index.yaml", ManifestTests.HostYaml);
        tmp.Write("s/_index.yaml", services);
        return tmp;
    }

    [Fact]
    public async Task Run_starts_the_auto_start_services_before_the_entry()
    {
        using var app = App();
        var (code, output, err) = await CliTests.Tproc("run", app.Path, "s:probe");
        Assert.True(code == 0, err);
        var lines = CliTests.Lines(output);
        Assert.Equal("true", lines[^1]);
        Assert.Contains(lines, l => l.EndsWith(" db up", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.EndsWith(" later up", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("process: s:worker\n    host: app:processes\n    input: [db]", "process: s:nothing\n    host: app:processes\n    input: [db]", "service 's:db': unknown process 's:nothing'")]
    [InlineData("requires: [s:db]", "requires: [s:web]", "service 's:web' requires itself")]
    public async Task Serve_with_a_bad_application_exits_2_with_one_line(string from, string to, string message)
    {
        var services = Services.Replace(from, to);
        Assert.NotEqual(Services, services);
        using var app = App(services);
        var (code, _, err) = await CliTests.Tproc("serve", app.Path);
        Assert.Equal(2, code);
        var line = Assert.Single(CliTests.Lines(err));
        Assert.StartsWith("tproc: ", line);
        Assert.Contains(message, line);
    }

    [Fact]
    public async Task Serve_without_services_exits_2()
    {
        using var app = new TempDir();
        app.Write("_index.yaml", ManifestTests.HostYaml);
        var (code, _, err) = await CliTests.Tproc("serve", app.Path);
        Assert.Equal(2, code);
        Assert.Contains("declares no auto_start process.service", Assert.Single(CliTests.Lines(err)));
    }

    [Fact]
    public async Task Serve_runs_the_services_until_SIGTERM_then_stops_them_in_reverse_order_and_exits_0()
    {
        if (OperatingSystem.IsWindows()) return;
        using var app = App();
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "tproc.dll"));
        info.ArgumentList.Add("serve");
        info.ArgumentList.Add(app.Path);
        using var process = new Process { StartInfo = info };
        var lines = System.Threading.Channels.Channel.CreateUnbounded<string>();
        var all = new List<string>();
        process.OutputDataReceived += (_, e) => { if (e.Data is { } d) lines.Writer.TryWrite(d); };
        var err = new System.Text.StringBuilder();
        process.ErrorDataReceived += (_, e) => { if (e.Data is { } d) lock (err) err.AppendLine(d); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            async Task<string> Next() => await lines.Reader.ReadAsync().AsTask().WaitAsync(Guard);
            all.Add(await Next());
            all.Add(await Next());
            // Spawned in requires order; their first runs may interleave (start is spawn order), so either line may come first.
            Assert.Equal([" db up", " web up"], all.Take(2).Select(l => l[l.IndexOf(' ')..]).Order(StringComparer.Ordinal));
            Assert.Equal(0, kill(process.Id, SigTerm));
            using var cts = new CancellationTokenSource(Guard);
            await process.WaitForExitAsync(cts.Token);
            process.WaitForExit();
            while (lines.Reader.TryRead(out var l)) all.Add(l);
            Assert.True(process.ExitCode == 0, err.ToString());
            Assert.Equal(["web down", "db down"], all.Skip(2).Select(l => l[(l.IndexOf(' ') + 1)..]));
            Assert.Contains("tproc: stopped 2 service(s) (SIGTERM)", err.ToString());
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }
}
