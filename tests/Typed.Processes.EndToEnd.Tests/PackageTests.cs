using System.Diagnostics;
using System.IO.Compression;

namespace Typed.Processes.EndToEnd;

/// <summary>
/// `dotnet pack` produces the package a user installs: the runtime with the generator and the analyzers under
/// analyzers/dotnet/cs and the build props/targets; a fresh project that references only that package gets typed
/// stubs for its C# and Lua entries and runs them.
/// </summary>
[Collection(nameof(ExampleTests))]
public class PackageTests(PackageTests.PackedFeed packed) : IClassFixture<PackageTests.PackedFeed>
{
    /// <summary>The packages packed once for this class's tests (its tests run one after the other).</summary>
    public sealed class PackedFeed : IAsyncLifetime
    {
        public DirectoryInfo Work { get; } = Directory.CreateTempSubdirectory("tp-package-");

        public string Feed => Path.Combine(Work.FullName, "feed");

        public async ValueTask InitializeAsync()
        {
            foreach (var project in new[] { "src/Typed.Processes.Abstractions", "src/Typed.Processes", "src/Typed.Processes.Lua", "src/Typed.Processes.Hosting", "src/Typed.Processes.LiveView" })
                await Dotnet(RepoRoot(), $"pack {project} -c Release -o \"{Feed}\"", TimeSpan.FromMinutes(4));
        }

        public ValueTask DisposeAsync()
        {
            try { Work.Delete(recursive: true); } catch (IOException) { }
            return ValueTask.CompletedTask;
        }
    }

    [Fact]
    public void The_live_view_package_carries_its_page_and_asks_for_ASP_NET_Core_and_the_runtime()
    {
        using var package = ZipFile.OpenRead(Directory.GetFiles(packed.Feed, "Typed.Processes.LiveView.0.*.nupkg").Single());
        Assert.Contains("lib/net10.0/Typed.Processes.LiveView.dll", package.Entries.Select(e => e.FullName));
        using (var dll = package.GetEntry("lib/net10.0/Typed.Processes.LiveView.dll")!.Open())
        {
            using var copy = new MemoryStream();
            dll.CopyTo(copy);
            // The page is embedded (no file to deploy beside the app, no CDN): its resource name is in the assembly.
            Assert.True(copy.ToArray().AsSpan().IndexOf("Typed.Processes.LiveView.live-view.html"u8) >= 0, "the page is not embedded");
        }
        var nuspec = package.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal));
        using var reader = new StreamReader(nuspec.Open());
        var text = reader.ReadToEnd();
        Assert.Contains("<frameworkReference name=\"Microsoft.AspNetCore.App\"", text, StringComparison.Ordinal);
        Assert.Contains("<dependency id=\"Typed.Processes\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_packed_package_carries_the_generator_and_analyzers_and_works_in_a_fresh_project()
    {
        var work = Directory.CreateTempSubdirectory("tp-consumer-");
        try
        {
            var feed = packed.Feed;

            using (var package = ZipFile.OpenRead(Directory.GetFiles(feed, "Typed.Processes.0.*.nupkg").Single()))
            {
                var names = package.Entries.Select(e => e.FullName).ToList();
                Assert.Contains("analyzers/dotnet/cs/Typed.Processes.Generators.dll", names);
                Assert.Contains("analyzers/dotnet/cs/Typed.Processes.Analyzers.dll", names);
                Assert.Contains("analyzers/dotnet/cs/Typed.Processes.Analyzers.CodeFixes.dll", names);
                // The generator and the analyzers parse manifests with YamlDotNet, which must travel beside them.
                Assert.Contains("analyzers/dotnet/cs/YamlDotNet.dll", names);
                Assert.Contains("buildTransitive/Typed.Processes.props", names);
                Assert.Contains("buildTransitive/Typed.Processes.targets", names);
                Assert.Contains("lib/net10.0/Typed.Processes.dll", names);
            }

            var consumer = NewConsumer(work, "consumer");
            WriteProject(consumer, "Consumer", work, [("Typed.Processes", "0.1.0")], globalPackagesFallback: false);
            File.WriteAllText(Path.Combine(consumer, "Program.cs"), """
                using Typed.Processes;
                [assembly: ProcessHost("app:main", Workers = 2)]
                await using var runtime = new ProcessRuntime();
                runtime.AddGeneratedEntries();
                var hello = Hello.Spawn(runtime, ProcessReferences.Hosts.AppMain).Value;
                var exit = runtime.WaitForExitAsync(hello);
                runtime.SendGreet(hello, "package").ThrowIfFailed();
                Console.WriteLine((await exit).Result);
                Console.WriteLine(LuaEntries.AppE2e.Doubler.EntryReference);

                [ProcessEntry("app:hello")]
                partial class Hello
                {
                    [Topic("greet")] void OnGreet(string name, MessageContext ctx) => ctx.Stop($"hello {name}");
                }
                """);
            var output = await Dotnet(consumer, "run", TimeSpan.FromMinutes(4));
            Assert.Contains("hello package", output);
            Assert.Contains("app.e2e:doubler", output);
            // TypedProcessesLuaApp also copies the Lua application beside the program, under its folder's name.
            foreach (var file in Directory.GetFiles(Path.Combine(consumer, "app")))
                Assert.True(File.Exists(Path.Combine(consumer, "bin", "Debug", "net10.0", "app", Path.GetFileName(file))), file + " was not copied to the output");

            // The analyzers in the package reject a wrong topic in the fresh project's build.
            File.AppendAllText(Path.Combine(consumer, "Bad.cs"), """
                static class Bad
                {
                    static void Call(Typed.Processes.ProcessContext ctx, Typed.Processes.Pid<Hello> hello) => ctx.Send(hello, "gret", "x");
                }
                """);
            var failure = await Assert.ThrowsAsync<Exception>(() => Dotnet(consumer, "build", TimeSpan.FromMinutes(4)));
            Assert.Contains("TP0001", failure.Message);
        }
        finally
        {
            try { work.Delete(recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>
    /// A small app from the packages, published with NativeAOT and run as a native binary: a C# process spawns a Lua
    /// process of a manifest-loaded application and they exchange messages. The publish treats warnings as errors,
    /// so it also proves the packages raise no trim or AOT warning in what the app uses.
    /// </summary>
    [Fact]
    public async Task A_csharp_and_lua_app_published_with_native_aot_runs()
    {
        var work = Directory.CreateTempSubdirectory("tp-aot-");
        try
        {
            var consumer = NewConsumer(work, "aot");
            WriteProject(consumer, "Aot", work, [("Typed.Processes", "0.1.0"), ("Typed.Processes.Lua", "0.1.0")], extraProperties: "<PublishAot>true</PublishAot><RootNamespace>Aot</RootNamespace>");
            File.WriteAllText(Path.Combine(consumer, "Program.cs"), """
                using Typed.Processes;
                using Typed.Processes.Lua;
                [assembly: ProcessHost("app:main", Workers = 2)]
                await using var runtime = new ProcessRuntime();
                runtime.AddGeneratedEntries();
                runtime.AddLuaApplication(Path.Combine(AppContext.BaseDirectory, "app"));
                var exit = await runtime.RunAsync(Coordinator.EntryReference, ProcessReferences.Hosts.AppMain, CancellationToken.None);
                Console.WriteLine($"result={exit.Result} error={exit.Error}");

                [ProcessEntry("app:coordinator")]
                partial class Coordinator
                {
                    [ProcessMain]
                    public async Task<string> Run(ProcessContext ctx)
                    {
                        var done = ctx.Listen<long>("done");
                        var doubler = LuaEntries.AppE2e.Doubler.Spawn(ctx, ProcessReferences.Hosts.AppMain).Value;
                        var first = ctx.SendTask(doubler, 21L);
                        var second = ctx.SendTask(doubler, 50L);
                        if (!first.Ok || !second.Ok) return $"send failed: {first.Error} {second.Error}";
                        var a = await done.ReceiveAsync();
                        var b = await done.ReceiveAsync();
                        return $"{a}+{b}";
                    }
                }
                """);
            var rid = System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier;
            var output = Path.Combine(work.FullName, "out");
            var publish = await Dotnet(consumer, $"publish -c Release -r {rid} -o \"{output}\"", TimeSpan.FromMinutes(6));
            Assert.DoesNotContain("warning", publish, StringComparison.OrdinalIgnoreCase);
            // A native binary: no managed entry assembly beside it.
            Assert.False(File.Exists(Path.Combine(output, "Aot.dll")));
            var run = await Run(Path.Combine(output, "Aot"), output, TimeSpan.FromMinutes(1));
            Assert.Equal("result=42+100 error=", run.Trim());
        }
        finally
        {
            try { work.Delete(recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>
    /// The README's typed application (a C# entry that calls a Lua worker with a typed stub, an [OnExit] handler, a
    /// typed RunAsync) is built from the packages exactly as the README shows it, file by file, and run.
    /// </summary>
    [Fact]
    public async Task The_readme_typed_example_builds_and_runs_from_the_packages()
    {
        var work = Directory.CreateTempSubdirectory("tp-readme-");
        try
        {
            var consumer = Path.Combine(work.FullName, "readme");
            var files = ReadmeFiles();
            Assert.Equal(["Program.cs", "app/_index.yaml", "app/pricer.lua"], files.Keys.Order(StringComparer.Ordinal));
            foreach (var (name, text) in files)
            {
                var path = Path.Combine(consumer, name);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllText(path, text);
            }
            WriteProject(consumer, "Readme", work, [("Typed.Processes.Lua", "0.1.0")]);
            var output = await Dotnet(consumer, "run", TimeSpan.FromMinutes(4));
            Assert.Contains("total 60, pricer said bye", output);
        }
        finally
        {
            try { work.Delete(recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>
    /// The hosting package from the feed: a generic-host console app with AddTypedProcesses, a Lua application, a
    /// service configured in code whose C# entry gets a service by constructor injection, and a typed stub called from
    /// outside any process with the injected runtime (as an ASP.NET controller would); the host's stop stops the service.
    /// </summary>
    [Fact]
    public async Task A_generic_host_app_with_AddTypedProcesses_builds_and_runs_from_the_packages()
    {
        var work = Directory.CreateTempSubdirectory("tp-hosting-");
        try
        {
            var consumer = NewConsumer(work, "hosted");
            WriteProject(consumer, "Hosted", work, [("Typed.Processes.Hosting", "0.1.0"), ("Microsoft.Extensions.Hosting", "11.0.0")]);
            File.WriteAllText(Path.Combine(consumer, "Program.cs"), """
                using Microsoft.Extensions.DependencyInjection;
                using Microsoft.Extensions.Hosting;
                using Typed.Processes;
                using Typed.Processes.Hosting;
                [assembly: ProcessHost("app:main", Workers = 2)]
                var builder = Host.CreateApplicationBuilder(args);
                builder.Services.AddSingleton<Greeter>();
                builder.Services.AddTypedProcesses(o =>
                {
                    o.LuaApps.Add("app");
                    o.ShutdownGrace = TimeSpan.FromSeconds(1);
                    o.AddService("app:greeting", "app:svc", "app:main", s => s.Input.Add("hosted"));
                }).Configure(r => r.AddGeneratedEntries());
                using var host = builder.Build();
                await host.StartAsync();
                var runtime = host.Services.GetRequiredService<ProcessRuntime>(); // what a controller injects
                var hello = Hello.Spawn(runtime, ProcessReferences.Hosts.AppMain).Value;
                var exit = runtime.WaitForExitAsync(hello);
                runtime.SendGreet(hello, "package").ThrowIfFailed();
                Console.WriteLine((await exit).Result);
                Console.WriteLine(runtime.Hosts.Contains("app.e2e:processes") ? "lua app loaded" : "no lua app");
                await host.StopAsync();

                public sealed class Greeter { public string Greet(string name) => "hello " + name; }

                [ProcessEntry("app:hello")]
                partial class Hello(Greeter greeter)
                {
                    [Topic("greet")] void OnGreet(string name, MessageContext ctx) => ctx.Stop(greeter.Greet(name));
                }

                [ProcessEntry("app:svc")]
                partial class Svc(Greeter greeter, ProcessContext ctx)
                {
                    [ProcessMain]
                    public async Task<string> Main(string name)
                    {
                        Console.WriteLine("service: " + greeter.Greet(name));
                        var ev = await ctx.Events().ReceiveAsync();
                        Console.WriteLine("service stopped by " + ev.Kind);
                        return "stopped";
                    }
                }
                """);
            var output = await Dotnet(consumer, "run", TimeSpan.FromMinutes(4));
            Assert.Contains("service: hello hosted", output);
            Assert.Contains("hello package", output);
            Assert.Contains("lua app loaded", output);
            Assert.Contains("service stopped by Cancel", output);
        }
        finally
        {
            try { work.Delete(recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>The README's code blocks whose first line names a file (<c># file: x</c>, <c>-- file: x</c>, <c>// file: x</c>).</summary>
    private static Dictionary<string, string> ReadmeFiles()
    {
        var readme = File.ReadAllText(Path.Combine(RepoRoot(), "README.md")).Replace("\r\n", "\n", StringComparison.Ordinal);
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (System.Text.RegularExpressions.Match block in System.Text.RegularExpressions.Regex.Matches(readme, "```[a-z]*\n(.*?)```", System.Text.RegularExpressions.RegexOptions.Singleline))
        {
            var text = block.Groups[1].Value;
            var first = text[..text.IndexOf('\n', StringComparison.Ordinal)];
            var marker = System.Text.RegularExpressions.Regex.Match(first, "^(?:#|--|//) file: (\\S+)$");
            if (marker.Success) files.Add(marker.Groups[1].Value, text);
        }
        return files;
    }

    /// <summary>A fresh project folder with the e2e Lua application in its <c>app</c> folder.</summary>
    /// <summary>
    /// Writes <c>{name}.csproj</c>: a console app (warnings as errors, the e2e Lua app as <c>TypedProcessesLuaApp</c>)
    /// that restores the given packages from the packed feed into its own folder, and, unless told otherwise, from the
    /// machine's global packages as a fallback for third-party ones.
    /// </summary>
    private void WriteProject(string consumer, string name, DirectoryInfo work, (string Id, string Version)[] packages,
        string extraProperties = "", bool globalPackagesFallback = true)
    {
        var properties = new List<string>
        {
            "<OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><Nullable>enable</Nullable>",
            "<ImplicitUsings>enable</ImplicitUsings><TreatWarningsAsErrors>true</TreatWarningsAsErrors>",
        };
        if (extraProperties.Length > 0) properties.Add(extraProperties);
        properties.Add("<TypedProcessesLuaApp>app</TypedProcessesLuaApp>");
        properties.Add($"<RestoreAdditionalProjectSources>{packed.Feed}</RestoreAdditionalProjectSources>");
        properties.Add($"<RestorePackagesPath>{Path.Combine(work.FullName, "packages")}</RestorePackagesPath>");
        if (globalPackagesFallback) properties.Add($"<RestoreFallbackFolders>{GlobalPackages()}</RestoreFallbackFolders>");
        var references = packages.Select(p => $"<PackageReference Include=\"{p.Id}\" Version=\"{p.Version}\" />");
        File.WriteAllText(Path.Combine(consumer, name + ".csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                {string.Join("\n    ", properties)}
              </PropertyGroup>
              <ItemGroup>
                {string.Join("\n    ", references)}
              </ItemGroup>
            </Project>
            """);
    }

    private static string NewConsumer(DirectoryInfo work, string name)
    {
        var consumer = Path.Combine(work.FullName, name);
        Directory.CreateDirectory(Path.Combine(consumer, "app"));
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "apps", "e2e")))
            File.Copy(file, Path.Combine(consumer, "app", Path.GetFileName(file)));
        return consumer;
    }

    private static string GlobalPackages() =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    internal static Task<string> Dotnet(string directory, string arguments, TimeSpan timeout) =>
        Run("dotnet", directory, timeout, arguments + " -nologo");

    private static async Task<string> Run(string program, string directory, TimeSpan timeout, string arguments = "")
    {
        var start = new ProcessStartInfo(program, arguments)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment.Remove("CI"); // the consumer is a user project, not this repository's CI build
        // No build servers left behind holding this test's output pipes open.
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        start.Environment["UseSharedCompilation"] = "false";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new Exception($"{program} {arguments} timed out after {timeout}");
        }
        var text = await stdout + await stderr;
        if (process.ExitCode != 0) throw new Exception($"{program} {arguments} failed ({process.ExitCode}):\n{text}");
        return text;
    }

    internal static string RepoRoot()
    {
        var dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "Typed.Processes.sln"))) dir = Path.GetDirectoryName(dir)!;
        return dir;
    }
}
