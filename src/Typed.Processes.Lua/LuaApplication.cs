using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Typed.Processes.Lua;

/// <summary>A <c>process.host</c> entry of a manifest.</summary>
/// <param name="Reference">The host reference, <c>namespace:name</c>.</param>
/// <param name="Workers">Worker threads (<c>host.workers</c>, 1 to 256; the number of cores when absent).</param>
/// <param name="MailboxLimit">Per-process mailbox limit (<c>host.mailbox_limit</c>, at least 1); 0 when absent (the runtime's default).</param>
/// <param name="AutoStart">False if <c>lifecycle.auto_start</c> is false: <see cref="LuaApplication.AddTo"/> skips the host.</param>
/// <param name="File">The manifest that declares it.</param>
/// <param name="Line">The manifest line of the entry (1-based).</param>
public sealed record LuaHost(string Reference, int Workers, int MailboxLimit, bool AutoStart, string File, int Line);

/// <summary>What loading an application folder found.</summary>
public sealed class LuaApplication
{
    /// <summary>The largest worker count a manifest may ask for (the runtime's limit).</summary>
    public const int MaxWorkers = 256;

    // A manifest is a few KB; the cap keeps a hostile or mistaken file (a log, a core dump) from being parsed at all.
    private const long MaxManifestBytes = 1 << 20;

    // Lua sources are rarely above 100 KB; 16 MiB refuses a device or a huge file named by mistake before reading it.
    private const long MaxSourceBytes = 16 << 20;

    // YamlDotNet builds its representation model recursively; nesting beyond this is refused before that so that no
    // manifest can exhaust the stack (which would end the process, not throw). Real manifests nest 4-5 levels.
    private const int MaxNesting = 64;

    // meta is free-form; converting it is bounded so that aliases (`*a` repeated) cannot expand exponentially.
    private const int MaxMetaNodes = 10_000;
    private const int MaxMetaDepth = 32;

    private static readonly StringComparison PathComparison =
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    // Filled by the loader only; callers see read-only views (what was loaded is not theirs to change).
    private readonly Dictionary<string, LuaHost> _hosts = new(StringComparer.Ordinal);
    private readonly List<LuaEntry> _entries = [];
    private readonly List<string> _errors = [];
    private readonly List<string> _warnings = [];

    /// <summary>Hosts declared (kind <c>process.host</c>), by reference.</summary>
    public IReadOnlyDictionary<string, LuaHost> Hosts => _hosts;

    /// <summary>Lua process entries.</summary>
    public IReadOnlyList<LuaEntry> Entries => _entries;

    /// <summary>Errors (broken manifests, bad fields, duplicates, missing or out-of-folder sources, syntax errors), each naming the file and, where one exists, the line.</summary>
    public IReadOnlyList<string> Errors => _errors;

    /// <summary>Warnings (unknown kinds, ignored fields).</summary>
    public IReadOnlyList<string> Warnings => _warnings;

    /// <summary>
    /// Reads every <c>_index.yaml</c> under <paramref name="directory"/> (recursively): <c>version</c>,
    /// <c>namespace</c>, <c>entries</c> of kind <c>process.host</c>, <c>process.lua</c> and <c>library.lua</c>.
    /// Never throws: every problem is an entry of <see cref="Errors"/> or <see cref="Warnings"/>.
    /// </summary>
    public static LuaApplication Load(string directory, LuaOptions? options = null)
    {
        var app = new LuaApplication();
        try
        {
            new Loader(app, options).Run(directory);
        }
        catch (Exception ex)
        {
            // The loader reports everything it knows about; this is the backstop for what it does not (I/O races,
            // a permission change mid-load), so that Load keeps its promise of never throwing.
            app._errors.Add($"{directory}: could not load the application: {SafeMessage(ex)}");
        }
        return app;
    }

    internal static string SafeMessage(Exception ex)
    {
        try { return ex.Message; }
        catch { return ex.GetType().Name; }
    }

    /// <summary>Adds the hosts (auto-start ones) and entries to <paramref name="runtime"/>.</summary>
    public void AddTo(ProcessRuntime runtime)
    {
        foreach (var host in Hosts.Values)
            if (host.AutoStart && !runtime.Hosts.Contains(host.Reference))
                runtime.Hosts.Add(host.Reference, new HostOptions { Workers = host.Workers, MailboxLimit = host.MailboxLimit });
        foreach (var entry in Entries) runtime.Entries.Add(entry);
    }

    private sealed class Loader(LuaApplication app, LuaOptions? options)
    {
        private readonly record struct Pending(string Reference, string Name, YamlMappingNode Entry, string File, string Dir, string RealDir);

        // Every entry reference (of any kind) and where it was first declared: Wippy's registry has one namespace
        // for all kinds, so a host and a process with the same reference are a duplicate too.
        private readonly Dictionary<string, string> _declared = new(StringComparer.Ordinal);
        private readonly Dictionary<string, LuaLibrary> _libraries = new(StringComparer.Ordinal);
        private readonly List<Pending> _pending = [];

        public void Run(string directory)
        {
            if (string.IsNullOrEmpty(directory) || !Directory.Exists(directory))
            {
                app._errors.Add($"application folder '{directory}' does not exist");
                return;
            }
            // Symbolic links are not followed while looking for manifests: a link to a parent folder (or to itself)
            // would make the walk endless, and one to another folder would load manifests from outside the app.
            var walk = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint, IgnoreInaccessible = true, MatchCasing = MatchCasing.CaseSensitive };
            var manifests = Directory.GetFiles(directory, "_index.yaml", walk).Order(StringComparer.Ordinal).ToList();
            if (manifests.Count == 0) app._errors.Add($"no _index.yaml under '{directory}'");
            foreach (var file in manifests) LoadManifest(file);
            foreach (var p in _pending) AddProcess(p);
        }

        private void Error(string file, int line, string message) =>
            app._errors.Add(line > 0 ? $"{file}:{line}: {message}" : $"{file}: {message}");

        private void Warning(string file, int line, string message) =>
            app._warnings.Add(line > 0 ? $"{file}:{line}: {message}" : $"{file}: {message}");

        private static int Line(YamlNode node) => (int)Math.Min(int.MaxValue, node.Start.Line);

        private void LoadManifest(string file)
        {
            YamlNode? root;
            try
            {
                var info = new FileInfo(file);
                if (info.Length > MaxManifestBytes) { Error(file, 0, $"manifest is larger than {MaxManifestBytes / 1024} KiB"); return; }
                var text = File.ReadAllText(file, System.Text.Encoding.UTF8);
                if (Nesting(text) is var (depth, line) && depth > MaxNesting)
                {
                    Error(file, line, $"collections nested more than {MaxNesting} levels deep");
                    return;
                }
                var stream = new YamlStream();
                stream.Load(new StringReader(text));
                if (stream.Documents.Count > 1) Warning(file, Line(stream.Documents[1].RootNode), "only the first YAML document is read");
                root = stream.Documents.Count == 0 ? null : stream.Documents[0].RootNode;
            }
            catch (YamlDotNet.Core.YamlException ex)
            {
                Error(file, (int)Math.Min(int.MaxValue, ex.Start.Line), OneLine(SafeMessage(ex.InnerException ?? ex)));
                return;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException or NotSupportedException)
            {
                Error(file, 0, OneLine(SafeMessage(ex)));
                return;
            }
            if (root is null || root is YamlScalarNode { Value: null or "" }) { Error(file, 0, "empty manifest"); return; }
            if (root is not YamlMappingNode doc) { Error(file, Line(root), "a manifest is a map with 'namespace' and 'entries'"); return; }

            string? ns = null;
            YamlSequenceNode? entries = null;
            foreach (var (keyNode, value) in doc.Children)
            {
                var key = (keyNode as YamlScalarNode)?.Value;
                switch (key)
                {
                    case "version":
                        break;
                    case "namespace":
                        if (value is YamlScalarNode { Value: { Length: > 0 } s }) ns = s;
                        else { Error(file, Line(value), "'namespace' must be a non-empty string"); return; }
                        break;
                    case "entries":
                        if (value is YamlSequenceNode seq) entries = seq;
                        else if (value is YamlScalarNode { Value: null or "" }) entries = new YamlSequenceNode();
                        else { Error(file, Line(value), "'entries' must be a list"); return; }
                        break;
                    default:
                        Warning(file, Line(keyNode), $"unknown field '{Show(keyNode)}' is ignored");
                        break;
                }
            }
            if (ns is null) { Error(file, Line(doc), "missing 'namespace'"); return; }
            if (entries is null) { Error(file, Line(doc), "missing 'entries' list"); return; }
            var dir = Path.GetDirectoryName(Path.GetFullPath(file))!;
            var realDir = RealPath(dir) ?? dir;
            int index = 0;
            foreach (var node in entries.Children)
            {
                index++;
                if (node is not YamlMappingNode e) { Error(file, Line(node), $"entry {index} is not a map"); continue; }
                LoadEntry(file, dir, realDir, ns, index, e);
            }
        }

        private void LoadEntry(string file, string dir, string realDir, string ns, int index, YamlMappingNode e)
        {
            int line = Line(e);
            if (!Scalar(file, e, "name", out var name, out _)) return;
            if (string.IsNullOrEmpty(name)) { Error(file, line, $"entry {index} has no 'name'"); return; }
            var reference = ns + ":" + name;
            if (EntryReference.Check(reference, "entry") is { } invalid) { Error(file, line, invalid); return; }
            if (!Scalar(file, e, "kind", out var kind, out _)) return;
            var here = $"{file}:{line}";
            if (_declared.TryGetValue(reference, out var first))
            {
                Error(file, line, $"entry '{reference}' is declared twice (first at {first})");
                return;
            }
            _declared[reference] = here;
            switch (kind)
            {
                case "process.host":
                    LoadHost(file, reference, e);
                    break;
                case "process.lua":
                    foreach (var field in Fields(e))
                        if (field.Key is not ("name" or "kind" or "source" or "method" or "modules" or "imports" or "meta" or "lifecycle" or "comment" or "description"))
                            Warning(file, field.Line, $"entry '{reference}': unknown field '{field.Key}' is ignored");
                    _pending.Add(new Pending(reference, name, e, file, dir, realDir));
                    break;
                case "library.lua":
                    var src = ReadSource(file, dir, realDir, reference, e);
                    if (src is not null)
                    {
                        var lib = new LuaLibrary(name, src.Value.Text, src.Value.Chunk);
                        _libraries[reference] = lib;
                        _libraries.TryAdd(name, lib);
                    }
                    break;
                default:
                    Warning(file, line, $"entry '{reference}' has unsupported kind '{kind ?? "(none)"}'; it was not loaded");
                    break;
            }
        }

        private void LoadHost(string file, string reference, YamlMappingNode e)
        {
            int line = Line(e);
            int workers = 0, mailboxLimit = 0;
            bool autoStart = true, ok = true;
            foreach (var (keyNode, value) in e.Children)
            {
                var key = (keyNode as YamlScalarNode)?.Value;
                switch (key)
                {
                    case "name" or "kind" or "meta" or "comment" or "description":
                        break;
                    case "workers":
                        ok &= Integer(file, reference, "workers", value, 1, MaxWorkers, ref workers);
                        break;
                    case "host" when value is YamlMappingNode hm:
                        foreach (var (k, v) in hm.Children)
                        {
                            switch ((k as YamlScalarNode)?.Value)
                            {
                                case "workers": ok &= Integer(file, reference, "workers", v, 1, MaxWorkers, ref workers); break;
                                case "mailbox_limit": ok &= Integer(file, reference, "mailbox_limit", v, 1, int.MaxValue, ref mailboxLimit); break;
                                default: Warning(file, Line(k), $"host '{reference}': unknown setting '{Show(k)}' is ignored (known: workers, mailbox_limit)"); break;
                            }
                        }
                        break;
                    case "host" when value is YamlScalarNode { Value: null or "" }:
                        break;
                    case "host":
                        Error(file, Line(value), $"host '{reference}': 'host' must be a map (workers, mailbox_limit)");
                        ok = false;
                        break;
                    case "lifecycle" when value is YamlMappingNode lm:
                        foreach (var (k, v) in lm.Children)
                        {
                            if ((k as YamlScalarNode)?.Value != "auto_start") continue;
                            if (v is YamlScalarNode { Value: "true" or "false" } b) autoStart = b.Value == "true";
                            else { Error(file, Line(v), $"host '{reference}': 'lifecycle.auto_start' must be true or false"); ok = false; }
                        }
                        break;
                    case "lifecycle" when value is YamlScalarNode { Value: null or "" }:
                        break;
                    case "lifecycle":
                        Error(file, Line(value), $"host '{reference}': 'lifecycle' must be a map");
                        ok = false;
                        break;
                    default:
                        Warning(file, Line(keyNode), $"host '{reference}': unknown field '{Show(keyNode)}' is ignored");
                        break;
                }
            }
            if (!ok) return;
            app._hosts[reference] = new LuaHost(reference, workers == 0 ? Math.Min(Environment.ProcessorCount, MaxWorkers) : workers, mailboxLimit, autoStart, file, line);
        }

        private bool Integer(string file, string reference, string field, YamlNode value, int min, int max, ref int result)
        {
            if (value is YamlScalarNode { Value: { } s }
                && long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max)
            {
                result = (int)n;
                return true;
            }
            var range = max == int.MaxValue ? $"an integer >= {min}" : $"an integer from {min} to {max}";
            Error(file, Line(value), $"host '{reference}': '{field}' must be {range} (got {Show(value)})");
            return false;
        }

        private void AddProcess(Pending p)
        {
            var (reference, _, e, file, dir, realDir) = p;
            if (!Scalar(file, e, "method", out var method, out _)) return;
            var imports = new List<(string Name, int Line)>();
            foreach (var key in new[] { "imports", "modules" })
            {
                var node = Child(e, key);
                if (node is null || node is YamlScalarNode { Value: null or "" }) continue;
                if (node is not YamlSequenceNode list) { Error(file, Line(node), $"entry '{reference}': '{key}' must be a list"); return; }
                foreach (var item in list.Children)
                {
                    var name = item switch
                    {
                        YamlScalarNode s => s.Value,
                        YamlMappingNode m => (Child(m, "name") as YamlScalarNode)?.Value ?? (Child(m, "entry") as YamlScalarNode)?.Value,
                        _ => null,
                    };
                    if (string.IsNullOrEmpty(name)) { Error(file, Line(item), $"entry '{reference}': '{key}' items are names"); return; }
                    imports.Add((name, Line(item)));
                }
            }
            Dictionary<string, object?> meta = new(StringComparer.Ordinal);
            if (Child(e, "meta") is { } metaNode and not YamlScalarNode { Value: null or "" })
            {
                if (metaNode is not YamlMappingNode mm) { Error(file, Line(metaNode), $"entry '{reference}': 'meta' must be a map"); return; }
                int budget = MaxMetaNodes;
                foreach (var (k, v) in mm.Children)
                {
                    var converted = Convert(v, 0, ref budget);
                    if (budget < 0) { Error(file, Line(metaNode), $"entry '{reference}': 'meta' is too large or too deep"); return; }
                    meta[Show(k)] = converted;
                }
            }
            var src = ReadSource(file, dir, realDir, reference, e);
            if (src is null) return;
            var libs = new List<LuaLibrary>();
            foreach (var (import, line) in imports)
            {
                if (_libraries.TryGetValue(import, out var lib)) libs.Add(lib);
                else if (import is not ("process" or "channel" or "time")) Warning(file, line, $"'{reference}' imports unknown module '{import}'");
            }
            app._entries.Add(new LuaEntry(reference, src.Value.Text, src.Value.Chunk, string.IsNullOrEmpty(method) ? "main" : method, libs, options) { Meta = meta });
        }

        private (string Text, string Chunk)? ReadSource(string file, string dir, string realDir, string reference, YamlMappingNode e)
        {
            if (!Scalar(file, e, "source", out var source, out var sourceNode)) return null;
            int line = sourceNode is null ? Line(e) : Line(sourceNode);
            if (string.IsNullOrEmpty(source)) { Error(file, line, $"entry '{reference}' has no 'source'"); return null; }
            string text, chunk;
            if (source.StartsWith("file://", StringComparison.Ordinal))
            {
                var relative = source["file://".Length..];
                string lexical;
                try
                {
                    if (relative.Length == 0 || relative.Contains('\0')) throw new ArgumentException("empty path");
                    lexical = Path.GetFullPath(Path.Combine(dir, relative));
                }
                catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
                {
                    Error(file, line, $"entry '{reference}': source '{source}' is not a valid path");
                    return null;
                }
                // Resolve the path as the OS will open it (every symlink, then `..`) and require the result to lie
                // inside the manifest's own folder, itself resolved: a manifest can only name files it ships with.
                var real = RealPath(Path.Combine(dir, relative));
                if (real is null || !IsInside(real, realDir))
                {
                    Error(file, line, $"entry '{reference}': source '{source}' is outside the manifest's folder; a source must be a file under '{dir}'");
                    return null;
                }
                var info = new FileInfo(real);
                if (!info.Exists) { Error(file, line, $"entry '{reference}': source file '{lexical}' not found"); return null; }
                if (info.Length > MaxSourceBytes) { Error(file, line, $"entry '{reference}': source file '{lexical}' is larger than {MaxSourceBytes >> 20} MiB"); return null; }
                try
                {
                    text = File.ReadAllText(real, System.Text.Encoding.UTF8);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    Error(file, line, $"entry '{reference}': cannot read source file '{lexical}': {OneLine(SafeMessage(ex))}");
                    return null;
                }
                chunk = Path.GetRelativePath(Environment.CurrentDirectory, lexical);
            }
            else
            {
                text = source;
                chunk = $"{Path.GetRelativePath(Environment.CurrentDirectory, file)}[{reference[(reference.LastIndexOf(':') + 1)..]}]";
            }
            if (LuaEntry.CheckSyntax(text, chunk) is { } error) { app._errors.Add(error); return null; }
            return (text, chunk);
        }

        /// <summary>Reads an optional scalar field; false (with an error) if it is present but not a scalar.</summary>
        private bool Scalar(string file, YamlMappingNode e, string key, out string? value, out YamlNode? node)
        {
            value = null;
            node = Child(e, key);
            if (node is null) return true;
            if (node is YamlScalarNode s) { value = s.Value; return true; }
            Error(file, Line(node), $"'{key}' must be a string");
            return false;
        }

        private static YamlNode? Child(YamlMappingNode map, string key)
        {
            foreach (var (k, v) in map.Children)
                if (k is YamlScalarNode { Value: { } s } && s == key) return v;
            return null;
        }

        private static IEnumerable<(string Key, int Line)> Fields(YamlMappingNode map) =>
            map.Children.Select(kv => (Show(kv.Key), Line(kv.Key)));

        private static object? Convert(YamlNode node, int depth, ref int budget)
        {
            if (--budget < 0 || depth > MaxMetaDepth) { budget = -1; return null; }
            switch (node)
            {
                case YamlScalarNode s:
                    return s.Value;
                case YamlSequenceNode seq:
                    var list = new List<object?>();
                    foreach (var item in seq.Children)
                    {
                        list.Add(Convert(item, depth + 1, ref budget));
                        if (budget < 0) return null;
                    }
                    return list;
                case YamlMappingNode map:
                    var dict = new Dictionary<string, object?>(StringComparer.Ordinal);
                    foreach (var (k, v) in map.Children)
                    {
                        dict[Show(k)] = Convert(v, depth + 1, ref budget);
                        if (budget < 0) return null;
                    }
                    return dict;
                default:
                    return null;
            }
        }

        private static string Show(YamlNode node) => node switch
        {
            YamlScalarNode s => OneLine(s.Value ?? ""),
            YamlSequenceNode => "(a list)",
            YamlMappingNode => "(a map)",
            _ => "(?)",
        };
    }

    private static string OneLine(string s)
    {
        var line = s.ReplaceLineEndings(" ");
        return line.Length > 200 ? line[..200] + "…" : line;
    }

    /// <summary>The deepest nesting of collections in the first document, and the line where it is reached.</summary>
    private static (int Depth, int Line) Nesting(string text)
    {
        // YamlDotNet's parser is an explicit state machine (no recursion), so this pass is safe on any input; the
        // representation model built afterwards recurses once per level, so its depth must be known first.
        var parser = new YamlDotNet.Core.Parser(new StringReader(text));
        int depth = 0, max = 0, line = 0;
        while (parser.MoveNext())
        {
            switch (parser.Current)
            {
                case YamlDotNet.Core.Events.SequenceStart or YamlDotNet.Core.Events.MappingStart:
                    if (++depth > max) { max = depth; line = (int)Math.Min(int.MaxValue, parser.Current.Start.Line); }
                    if (max > MaxNesting) return (max, line);
                    break;
                case YamlDotNet.Core.Events.SequenceEnd or YamlDotNet.Core.Events.MappingEnd:
                    depth--;
                    break;
            }
        }
        return (max, line);
    }

    private static bool IsInside(string path, string folder)
    {
        var prefix = folder.EndsWith(Path.DirectorySeparatorChar) ? folder : folder + Path.DirectorySeparatorChar;
        return path.StartsWith(prefix, PathComparison);
    }

    /// <summary>
    /// The path with every symbolic link resolved, component by component from the root (as <c>realpath(3)</c>),
    /// <c>..</c> applied to the resolved parent; null if a link cycle (over 40 links) or an unreadable link stops it.
    /// Components that do not exist are kept as they are.
    /// </summary>
    internal static string? RealPath(string path)
    {
        try
        {
            var absolute = Path.IsPathRooted(path) ? path : Path.Combine(Environment.CurrentDirectory, path);
            var root = Path.GetPathRoot(absolute)!;
            var todo = new Stack<string>(Split(absolute[root.Length..]).Reverse());
            var current = root;
            int links = 0;
            while (todo.Count > 0)
            {
                var part = todo.Pop();
                if (part == ".") continue;
                if (part == "..") { current = Path.GetDirectoryName(current) ?? current; continue; }
                var next = Path.Combine(current, part);
                var target = new FileInfo(next).LinkTarget;
                if (target is null) { current = next; continue; }
                if (++links > 40) return null;
                // The target replaces this component: an absolute target restarts from its root, a relative one is
                // read against the folder holding the link.
                foreach (var t in Split(target).Reverse()) todo.Push(t);
                if (Path.IsPathRooted(target)) current = Path.GetPathRoot(target)!;
            }
            return current;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return null;
        }

        static string[] Split(string p) => p.Split([Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar], StringSplitOptions.RemoveEmptyEntries);
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
