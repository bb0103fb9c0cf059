using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace Typed.Processes.Lua;

/// <summary>What loading an application folder found.</summary>
public sealed class LuaApplication
{
    /// <summary>Host references declared (kind process.host), with their worker counts.</summary>
    public Dictionary<string, int> Hosts { get; } = new(StringComparer.Ordinal);

    /// <summary>Hosts whose <c>lifecycle.auto_start</c> is false.</summary>
    public HashSet<string> ManualHosts { get; } = new(StringComparer.Ordinal);

    /// <summary>Lua process entries.</summary>
    public List<LuaEntry> Entries { get; } = [];

    /// <summary>Errors (broken manifests, missing files, syntax errors), each naming the file and line.</summary>
    public List<string> Errors { get; } = [];

    /// <summary>Warnings (unknown kinds, ignored fields).</summary>
    public List<string> Warnings { get; } = [];

    /// <summary>
    /// Reads every <c>_index.yaml</c> under <paramref name="directory"/> (recursively): <c>version</c>,
    /// <c>namespace</c>, <c>entries</c> of kind <c>process.host</c>, <c>process.lua</c> and <c>library.lua</c>.
    /// </summary>
    public static LuaApplication Load(string directory, LuaOptions? options = null)
    {
        var app = new LuaApplication();
        if (!Directory.Exists(directory))
        {
            app.Errors.Add($"application folder '{directory}' does not exist");
            return app;
        }
        var manifests = Directory.GetFiles(directory, "_index.yaml", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        if (manifests.Count == 0) app.Errors.Add($"no _index.yaml under '{directory}'");
        var pending = new List<(string Ref, Dictionary<object, object> Entry, string File, string Dir)>();
        var libraries = new Dictionary<string, LuaLibrary>(StringComparer.Ordinal);
        foreach (var file in manifests)
        {
            Dictionary<object, object>? doc;
            try
            {
                doc = new DeserializerBuilder().Build().Deserialize<Dictionary<object, object>>(File.ReadAllText(file));
            }
            catch (YamlException ex)
            {
                app.Errors.Add($"{file}:{ex.Start.Line}: {ex.InnerException?.Message ?? ex.Message}");
                continue;
            }
            if (doc is null) { app.Errors.Add($"{file}: empty manifest"); continue; }
            var ns = doc.TryGetValue("namespace", out var n) ? n as string : null;
            if (string.IsNullOrEmpty(ns)) { app.Errors.Add($"{file}: missing 'namespace'"); continue; }
            if (!doc.TryGetValue("entries", out var es) || es is not List<object> entries) { app.Errors.Add($"{file}: missing 'entries' list"); continue; }
            var dir = Path.GetDirectoryName(file)!;
            for (int i = 0; i < entries.Count; i++)
            {
                if (entries[i] is not Dictionary<object, object> e) { app.Errors.Add($"{file}: entry {i + 1} is not a map"); continue; }
                var name = Get(e, "name");
                var kind = Get(e, "kind");
                if (string.IsNullOrEmpty(name)) { app.Errors.Add($"{file}: entry {i + 1} has no 'name'"); continue; }
                var reference = ns + ":" + name;
                if (!EntryReference.IsValid(reference)) { app.Errors.Add($"{file}: '{reference}' is not a valid reference"); continue; }
                switch (kind)
                {
                    case "process.host":
                        int workers = 0;
                        if (e.TryGetValue("host", out var h) && h is Dictionary<object, object> hm && hm.TryGetValue("workers", out var w)) int.TryParse(w?.ToString(), out workers);
                        else if (e.TryGetValue("workers", out var w2)) int.TryParse(w2?.ToString(), out workers);
                        app.Hosts[reference] = workers <= 0 ? Environment.ProcessorCount : workers;
                        if (e.TryGetValue("lifecycle", out var lc) && lc is Dictionary<object, object> lcm && Get(lcm, "auto_start") == "false") app.ManualHosts.Add(reference);
                        break;
                    case "process.lua":
                        pending.Add((reference, e, file, dir));
                        break;
                    case "library.lua":
                        var src = ReadSource(app, e, file, dir);
                        if (src is not null)
                        {
                            var lib = new LuaLibrary(name, src.Value.Text, src.Value.Chunk);
                            libraries[reference] = lib;
                            libraries.TryAdd(name, lib);
                        }
                        break;
                    default:
                        app.Warnings.Add($"{file}: entry '{reference}' has unsupported kind '{kind ?? "(none)"}'; it was not loaded");
                        break;
                }
            }
        }
        foreach (var (reference, e, file, dir) in pending)
        {
            var src = ReadSource(app, e, file, dir);
            if (src is null) continue;
            var libs = new List<LuaLibrary>();
            foreach (var import in Strings(e, "imports").Concat(Strings(e, "modules")))
            {
                if (libraries.TryGetValue(import, out var lib)) libs.Add(lib);
                else if (import is not ("process" or "channel" or "time")) app.Warnings.Add($"{file}: '{reference}' imports unknown module '{import}'");
            }
            var meta = e.TryGetValue("meta", out var m) && m is Dictionary<object, object> mm
                ? mm.ToDictionary(kv => kv.Key.ToString()!, kv => (object?)kv.Value)
                : new Dictionary<string, object?>();
            app.Entries.Add(new LuaEntry(reference, src.Value.Text, src.Value.Chunk, Get(e, "method") ?? "main", libs, options) { Meta = meta });
        }
        return app;
    }

    private static (string Text, string Chunk)? ReadSource(LuaApplication app, Dictionary<object, object> e, string file, string dir)
    {
        var source = Get(e, "source");
        if (string.IsNullOrEmpty(source)) { app.Errors.Add($"{file}: entry '{Get(e, "name")}' has no 'source'"); return null; }
        string text, chunk;
        if (source.StartsWith("file://", StringComparison.Ordinal))
        {
            var path = Path.GetFullPath(Path.Combine(dir, source["file://".Length..]));
            if (!File.Exists(path)) { app.Errors.Add($"{file}: entry '{Get(e, "name")}': source file '{path}' not found"); return null; }
            text = File.ReadAllText(path);
            chunk = Path.GetRelativePath(Environment.CurrentDirectory, path);
        }
        else
        {
            text = source;
            chunk = $"{Path.GetRelativePath(Environment.CurrentDirectory, file)}[{Get(e, "name")}]";
        }
        if (LuaEntry.CheckSyntax(text, chunk) is { } error) { app.Errors.Add(error); return null; }
        return (text, chunk);
    }

    private static string? Get(Dictionary<object, object> map, string key) => map.TryGetValue(key, out var v) ? v?.ToString() : null;

    private static IEnumerable<string> Strings(Dictionary<object, object> map, string key) =>
        map.TryGetValue(key, out var v) && v is List<object> list ? list.Select(x => x switch
        {
            Dictionary<object, object> d => Get(d, "name") ?? Get(d, "entry") ?? "",
            _ => x?.ToString() ?? "",
        }).Where(s => s.Length > 0) : [];

    /// <summary>Adds the hosts (auto-start ones) and entries to <paramref name="runtime"/>.</summary>
    public void AddTo(ProcessRuntime runtime)
    {
        foreach (var (host, workers) in Hosts)
            if (!ManualHosts.Contains(host) && !runtime.Hosts.Contains(host)) runtime.Hosts.Add(host, workers);
        foreach (var entry in Entries) runtime.Entries.Add(entry);
    }
}

/// <summary>Extensions for adding Lua to a runtime.</summary>
public static class LuaRuntimeExtensions
{
    /// <summary>Loads an application folder into the runtime; throws <see cref="ProcessException"/> listing every error.</summary>
    public static LuaApplication AddLuaApplication(this ProcessRuntime runtime, string directory, LuaOptions? options = null)
    {
        var app = LuaApplication.Load(directory, options);
        if (app.Errors.Count > 0) throw new ProcessException(string.Join(Environment.NewLine, app.Errors));
        app.AddTo(runtime);
        return app;
    }
}
