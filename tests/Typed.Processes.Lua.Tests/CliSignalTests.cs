using Xunit;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Typed.Processes.Lua.Tests;

/// <summary>tproc as a child process: SIGTERM cancels the running processes with a grace period; a second signal exits at once.</summary>
public class CliSignalTests
{
    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);

    private const int SigTerm = 15;
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    private static TempDir App()
    {
        var tmp = new TempDir();
        tmp.Write("_index.yaml", ManifestTests.HostYaml);
        tmp.Write("s/_index.yaml", """
            namespace: s
            entries:
              - name: polite
                kind: process.lua
                source: |
                  return { main = function()
                    local events = process.events()
                    print("ready")
                    while true do
                      local e = events:receive()
                      if e.kind == process.event.CANCEL then print("cancel seen") return "stopped" end
                    end
                  end }
              - name: stubborn
                kind: process.lua
                source: |
                  return { main = function()
                    local events = process.events()
                    print("ready")
                    while true do
                      local e = events:receive()
                      print("ignoring " .. e.kind)
                    end
                  end }
            """);
        return tmp;
    }

    /// <summary>Starts tproc.dll (copied next to the tests by the project reference) with its output read line by line.</summary>
    private sealed class Child : IDisposable
    {
        private readonly Process _process;
        private readonly List<string> _lines = [];
        private readonly SemaphoreSlim _newLine = new(0);
        public readonly System.Text.StringBuilder Err = new();

        public Child(params string[] args)
        {
            var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "tproc.dll"));
            foreach (var a in args) info.ArgumentList.Add(a);
            _process = new Process { StartInfo = info };
            _process.OutputDataReceived += (_, e) => { if (e.Data is null) return; lock (_lines) _lines.Add(e.Data); _newLine.Release(); };
            _process.ErrorDataReceived += (_, e) => { if (e.Data is null) return; lock (Err) Err.AppendLine(e.Data); };
            _process.Start();
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public int Pid => _process.Id;

        public string[] Lines { get { lock (_lines) return [.. _lines]; } }

        public async Task WaitForLine(string suffix)
        {
            using var cts = new CancellationTokenSource(Guard);
            while (!Lines.Any(l => l.EndsWith(suffix, StringComparison.Ordinal)))
            {
                if (_process.HasExited) throw new Xunit.Sdk.XunitException($"tproc exited before printing '{suffix}': {string.Join(" | ", Lines)} {Err}");
                await _newLine.WaitAsync(TimeSpan.FromMilliseconds(500), cts.Token);
            }
        }

        public async Task<int> WaitForExit()
        {
            using var cts = new CancellationTokenSource(Guard);
            await _process.WaitForExitAsync(cts.Token);
            _process.WaitForExit(); // flushes the redirected output
            return _process.ExitCode;
        }

        public void Dispose()
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.Dispose();
        }
    }

    [Fact]
    public async Task Sigterm_sends_every_process_a_cancel_then_exits_143()
    {
        if (OperatingSystem.IsWindows()) return;
        using var app = App();
        // The grace is far longer than the guard of WaitForExit: an exit within the guard is one because the process
        // ended, not because the grace ran out.
        using var child = new Child("run", app.Path, "s:polite", "--grace", "1h");
        await child.WaitForLine(" ready");
        Assert.Equal(0, kill(child.Pid, SigTerm));
        Assert.Equal(143, await child.WaitForExit());
        Assert.Contains(child.Lines, l => l.EndsWith(" cancel seen", StringComparison.Ordinal));
        Assert.Equal("tproc: interrupted (SIGTERM): cancelled 1 process", child.Err.ToString().Trim());
    }

    [Fact]
    public async Task A_second_signal_exits_at_once_without_waiting_for_the_grace_period()
    {
        if (OperatingSystem.IsWindows()) return;
        using var app = App();
        using var child = new Child("run", app.Path, "s:stubborn", "--grace", "1h");
        await child.WaitForLine(" ready");
        Assert.Equal(0, kill(child.Pid, SigTerm));
        await child.WaitForLine(" ignoring pid.cancel");   // the first signal was handled: the CANCEL arrived
        Assert.Equal(0, kill(child.Pid, SigTerm));
        Assert.Equal(143, await child.WaitForExit()); // within the guard, long before the grace of 1h
        Assert.Contains("tproc: SIGTERM again: exiting now", child.Err.ToString());
    }
}
