// Shared by the runtime (Typed.Processes.Lua), the generator and the analyzers: linked as source into all three, so
// that what a manifest means, and which manifests are wrong and why, is decided in one place. Each project supplies
// IsValidReference (the `namespace:name` rule) in a file of its own.
using System;
using System.Collections.Generic;
using System.IO;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace Typed.Processes.SourceModel;

/// <summary>A topic: its name and payload type as C# source (null: any payload).</summary>
/// <param name="Name">The topic.</param>
/// <param name="PayloadType">The payload's C# type, or null for any payload.</param>
/// <param name="ReplyType">When the topic is a call (<c>reply:</c> in <c>meta.topics</c>): the reply's C# type, one a Lua
/// value can arrive as (<c>object?</c> for <c>any</c>); null when the topic declares no reply.</param>
internal sealed record TopicDeclaration(string Name, string? PayloadType, string? ReplyType = null);

/// <summary>An argument of main from <c>meta.args</c>: its name and type as C# source (null: any value).</summary>
internal sealed record ArgumentDeclaration(string Name, string? Type);

/// <summary>A C# type named in a manifest, its line and the field that names it (<c>meta.topics</c>, <c>meta.args</c>), for the analyzers to resolve (TP0012).</summary>
internal sealed record ManifestTypeName(string Type, int Line, string Field);

/// <summary>An error or warning found in a manifest.</summary>
/// <param name="IsError">True for an error (the manifest or the entry is not loaded), false for a warning.</param>
/// <param name="Line">The manifest line (1-based), or 0 when the problem is the whole file.</param>
/// <param name="Message">What is wrong, in one line.</param>
internal sealed record ManifestProblem(bool IsError, int Line, string Message)
{
    /// <summary><c>file:line: message</c>, or <c>file: message</c> without a line.</summary>
    public string Format(string file) => Line > 0 ? $"{file}:{Line}: {Message}" : $"{file}: {Message}";
}

/// <summary>One import of an entry's <c>imports</c> (a list, or Wippy's map of alias to entry) or <c>modules</c> list.</summary>
/// <param name="Name">The module or <c>library.lua</c> entry imported (its name or <c>namespace:name</c>).</param>
/// <param name="Line">Where it is named.</param>
/// <param name="Alias">The name <c>require</c> knows it by, when Wippy's map form (<c>alias: namespace:name</c>) gave
/// one; null for the list form, where the library's own name is used.</param>
internal sealed record ManifestImport(string Name, int Line, string? Alias = null);

/// <summary>
/// One entry of a manifest that has no errors. Which fields are set depends on <see cref="Kind"/>:
/// <c>process.lua</c> (source, method, imports, meta, topics, isolation), <c>library.lua</c> (source), <c>process.host</c>
/// (workers, mailbox limit, auto start). Entries of other kinds are listed (they take their reference) but carry nothing.
/// </summary>
internal sealed class ManifestEntry
{
    public ManifestEntry(string name, string reference, string? kind, int line)
    {
        Name = name;
        Reference = reference;
        Kind = kind;
        Line = line;
    }

    public string Name { get; }

    /// <summary><c>namespace:name</c>.</summary>
    public string Reference { get; }

    /// <summary>The kind as written, or null when there is none.</summary>
    public string? Kind { get; }

    /// <summary>The line where the entry starts.</summary>
    public int Line { get; }

    /// <summary>The <c>source</c> as written: <c>file://relative/path</c> or inline Lua.</summary>
    public string? Source { get; set; }

    /// <summary>The line of <c>source</c> (of the entry when it has none).</summary>
    public int SourceLine { get; set; }

    /// <summary>The function that starts the process; <c>main</c> when not given.</summary>
    public string Method { get; set; } = "main";

    /// <summary><c>isolation</c>: <c>shared</c> (the default: a coroutine in a Lua state shared with other processes of
    /// its host) or <c>state</c> (a Lua state of its own).</summary>
    public string Isolation { get; set; } = ManifestReader.IsolationShared;

    /// <summary>Names from <c>imports</c> and <c>modules</c>, in order.</summary>
    public List<ManifestImport> Imports { get; } = new();

    /// <summary><c>meta</c>, converted to strings (null for YAML null), lists and string-keyed maps.</summary>
    public Dictionary<string, object?> Meta { get; } = new(StringComparer.Ordinal);

    /// <summary>Topics of <c>meta.topics</c> with their payload types (null: any payload), in order.</summary>
    public List<TopicDeclaration> Topics { get; } = new();

    /// <summary>main's arguments from <c>meta.args</c>, in order; null when <c>meta.args</c> is not given (any arguments).</summary>
    public List<ArgumentDeclaration>? Args { get; set; }

    /// <summary>The C# types <c>meta.topics</c> and <c>meta.args</c> name, with their lines.</summary>
    public List<ManifestTypeName> TypeNames { get; } = new();

    /// <summary>Worker threads of a host; 0 when not given (the runtime then takes the number of cores).</summary>
    public int Workers { get; set; }

    /// <summary>The per-process mailbox limit of a host; 0 when not given.</summary>
    public int MailboxLimit { get; set; }

    /// <summary>False when a host or a service has <c>lifecycle.auto_start: false</c>.</summary>
    public bool AutoStart { get; set; } = true;

    /// <summary>A service's settings (kind <c>process.service</c>); null for other kinds.</summary>
    public ManifestService? Service { get; set; }

    /// <summary>A supervisor's settings (kind <c>process.supervisor</c>); null for other kinds.</summary>
    public ManifestSupervisor? Supervisor { get; set; }
}

/// <summary>
/// A <c>process.supervisor</c> entry (an OTP supervisor as an entry: spawning it, or naming it as a service's
/// <c>process</c> or another supervisor's child, starts it with its children).
/// </summary>
internal sealed class ManifestSupervisor
{
    /// <summary>The host its own process runs on, and its children's default.</summary>
    public string Host { get; set; } = "";

    /// <summary><c>one_for_one</c> (the default), <c>one_for_all</c> or <c>rest_for_one</c>.</summary>
    public string Strategy { get; set; } = "one_for_one";

    /// <summary>Restarts allowed within <see cref="Period"/> (<c>intensity</c>); -1 when not given (the runtime's default, 1).</summary>
    public int Intensity { get; set; } = -1;

    /// <summary><c>period</c> in ticks; -1 when not given (5 s).</summary>
    public long Period { get; set; } = -1;

    /// <summary>The children, in start order.</summary>
    public List<ManifestChild> Children { get; } = new();
}

/// <summary>One child of a <c>process.supervisor</c>. Durations in ticks, -1 when not given.</summary>
internal sealed class ManifestChild
{
    /// <summary>Its id among its siblings (<c>id</c>; the <c>process</c> reference when not given).</summary>
    public string Id { get; set; } = "";

    /// <summary>The entry it runs (<c>process</c>): a process, a C# entry, or another supervisor.</summary>
    public string Process { get; set; } = "";

    /// <summary>The line of <c>process</c>.</summary>
    public int ProcessLine { get; set; }

    /// <summary>Its host (<c>host</c>; the supervisor's when not given).</summary>
    public string Host { get; set; } = "";

    /// <summary>The line of <c>host</c>; 0 when not given.</summary>
    public int HostLine { get; set; }

    /// <summary>main's arguments (<c>input</c>), as a service's.</summary>
    public List<object?> Input { get; } = new();

    /// <summary><c>permanent</c> (the default), <c>transient</c> or <c>temporary</c>.</summary>
    public string Restart { get; set; } = "permanent";

    /// <summary><c>shutdown</c>: a duration in ticks; 0 for <c>brutal</c>; <see cref="long.MaxValue"/> for
    /// <c>infinity</c>; -1 when not given.</summary>
    public long Shutdown { get; set; } = -1;

    /// <summary>A registry name that follows its restarts (<c>name</c>); null when not given.</summary>
    public string? Name { get; set; }

    /// <summary><c>readiness: signal</c>, as a service's.</summary>
    public bool SignalsReady { get; set; }

    /// <summary><c>start_timeout</c>; -1 when not given (no limit).</summary>
    public long StartTimeout { get; set; } = -1;

    /// <summary>The line where the child starts.</summary>
    public int Line { get; set; }
}

/// <summary>
/// A <c>process.service</c> entry: the process it runs, where, with which arguments, and its <c>lifecycle</c>.
/// Durations are in ticks (100 ns); -1 when not given (the runtime's default applies).
/// </summary>
internal sealed class ManifestService
{
    /// <summary>The entry it runs (<c>process</c>), as <c>namespace:name</c>.</summary>
    public string Process { get; set; } = "";

    /// <summary>The host it runs on (<c>host</c>), as <c>namespace:name</c>.</summary>
    public string Host { get; set; } = "";

    /// <summary>main's arguments (<c>input</c>), converted as <c>meta</c> is; a single value is one argument.</summary>
    public List<object?> Input { get; } = new();

    public long StartTimeout { get; set; } = -1;
    public long StopTimeout { get; set; } = -1;
    public long StableThreshold { get; set; } = -1;

    /// <summary>Services (or other entries) that start before this one (<c>lifecycle.requires</c>), with their lines.</summary>
    public List<ManifestImport> Requires { get; } = new();

    public long InitialDelay { get; set; } = -1;
    public long MaxDelay { get; set; } = -1;

    /// <summary><c>restart.backoff_factor</c>; 0 when not given.</summary>
    public double BackoffFactor { get; set; }

    /// <summary><c>restart.jitter</c>; -1 when not given.</summary>
    public double Jitter { get; set; } = -1;

    /// <summary><c>restart.max_attempts</c>: restarts in a row before the service gives up; 0 (the default) for no limit.</summary>
    public int MaxAttempts { get; set; }

    /// <summary><c>lifecycle.readiness: signal</c>: started when the process signals readiness (<c>process.ready()</c>);
    /// false for <c>running</c> (the default): started when its main begins running.</summary>
    public bool SignalsReady { get; set; }
}

/// <summary>What one manifest declares: its namespace, its entries without errors, and every problem found.</summary>
internal sealed class ManifestDocument
{
    public string? Namespace { get; set; }
    public List<ManifestEntry> Entries { get; } = new();
    public List<ManifestProblem> Problems { get; } = new();

    public bool HasErrors => Problems.Exists(p => p.IsError);
}

/// <summary>
/// Reads <c>_index.yaml</c> manifests. YAML is parsed by YamlDotNet (its low-level parser and representation model,
/// never the reflection deserializer); this class decides what the parsed document means: the fields of each kind,
/// which values are wrong, and the message and line of every problem. Nothing here touches the file system.
/// </summary>
internal static class ManifestReader
{
    public const string ProcessLua = "process.lua";

    /// <summary>
    /// Wippy's function entries. Here they run as processes (a function's <c>main</c> is a process's <c>main</c>), so
    /// Wippy's tests, which are functions that spawn and wait, run unchanged.
    /// </summary>
    public const string FunctionLua = "function.lua";

    /// <summary>The values of a Lua entry's <c>isolation</c>.</summary>
    public const string IsolationShared = "shared", IsolationState = "state";

    /// <summary>True for the kinds that can be started (spawned or run): <c>process.lua</c> and <c>function.lua</c>.</summary>
    public static bool IsRunnable(string? kind) => kind is ProcessLua or FunctionLua;
    public const string LibraryLua = "library.lua";
    public const string ProcessHost = "process.host";

    /// <summary>Wippy's supervised services: a process started (in <c>requires</c> order) and restarted on error.</summary>
    public const string ProcessService = "process.service";

    /// <summary>An OTP supervisor declared in a manifest: an entry whose process starts and supervises its children.</summary>
    public const string ProcessSupervisor = "process.supervisor";

    /// <summary>The C# types a Lua value arrives as (docs/lua.md, payload mapping), by the names a manifest may use.</summary>
    private static readonly string[] LuaReplyTypes =
    [
        "long", "Int64", "double", "Double", "bool", "Boolean", "string", "String", "ByteString", "PayloadTable", "object", "Object",
    ];

    private const string LuaReplyTypesText =
        "a Lua value arrives as long (integer), double (float), bool, string (or ByteString when not UTF-8), PayloadTable (table) or any";

    /// <summary>The largest manifest read (a manifest is a few KB; this refuses a log or a dump named by mistake).</summary>
    public const int MaxManifestBytes = 1 << 20;

    /// <summary>The largest worker count a manifest may ask for (the runtime's limit).</summary>
    public const int MaxWorkers = 256;

    // YamlDotNet builds its representation model recursively; nesting beyond this is refused before that so that no
    // manifest can exhaust the stack (which would end the process, not throw). Real manifests nest 4-5 levels.
    public const int MaxNesting = 64;

    // meta is free-form; converting it is bounded so that aliases (`*a` repeated) cannot expand exponentially.
    private const int MaxMetaNodes = 10_000;
    private const int MaxMetaDepth = 32;

    /// <summary>True if <paramref name="reference"/> has the form <c>namespace:name</c> (the one rule: ReferenceSyntax).</summary>
    private static bool IsValidReference(string reference) => ReferenceSyntax.IsValid(reference);

    /// <summary>
    /// Reads one manifest. <paramref name="declared"/> maps every reference seen so far to where it was declared
    /// (<c>file:line</c>); a reader of several manifests passes the same map to each so that a reference declared in
    /// two of them is an error too. Never throws for any text.
    /// </summary>
    public static ManifestDocument Read(string file, string text, Dictionary<string, string>? declared = null)
    {
        var doc = new ManifestDocument();
        var reader = new Reader(file, doc, declared ?? new Dictionary<string, string>(StringComparer.Ordinal));
        reader.Run(text);
        return doc;
    }

    /// <summary>The message for a manifest longer than <see cref="MaxManifestBytes"/>.</summary>
    public static string TooLarge => $"manifest is larger than {MaxManifestBytes / 1024} KiB";

    /// <summary>True for a plain (unquoted) scalar that YAML reads as null: empty, <c>~</c>, <c>null</c>, <c>Null</c>, <c>NULL</c>.</summary>
    public static bool IsNull(YamlNode? node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any } s && s.Value is null or "" or "~" or "null" or "Null" or "NULL";

    /// <summary>The text on one line, cut at 200 characters.</summary>
    public static string OneLine(string s)
    {
        var line = s.Replace("\r\n", " ").Replace('\n', ' ').Replace('\r', ' ');
        return line.Length > 200 ? string.Concat(line.Remove(200), "…") : line;
    }

    private static int Line(YamlNode node) => (int)Math.Min(int.MaxValue, node.Start.Line);

    private static string Show(YamlNode node) => node switch
    {
        YamlScalarNode s => OneLine(s.Value ?? ""),
        YamlSequenceNode => "(a list)",
        YamlMappingNode => "(a map)",
        _ => "(?)",
    };

    private static YamlNode? Child(YamlMappingNode map, string key)
    {
        foreach (var kv in map.Children)
            if (kv.Key is YamlScalarNode { Value: { } s } && s == key) return kv.Value;
        return null;
    }

    private sealed class Reader
    {
        private readonly string _file;
        private readonly ManifestDocument _doc;
        private readonly Dictionary<string, string> _declared;

        // Every entry this manifest declares (with or without errors), for lifecycle.requires.
        private readonly HashSet<string> _named = new(StringComparer.Ordinal);

        public Reader(string file, ManifestDocument doc, Dictionary<string, string> declared)
        {
            _file = file;
            _doc = doc;
            _declared = declared;
        }

        private void Error(int line, string message) => _doc.Problems.Add(new ManifestProblem(true, line, message));

        private void Warning(int line, string message) => _doc.Problems.Add(new ManifestProblem(false, line, message));

        public void Run(string text)
        {
            if (text.Length > MaxManifestBytes) { Error(0, TooLarge); return; }
            YamlNode? root;
            try
            {
                if (Nesting(text) is var (depth, line) && depth > MaxNesting)
                {
                    Error(line, $"collections nested more than {MaxNesting} levels deep");
                    return;
                }
                var stream = new YamlStream();
                stream.Load(new StringReader(text));
                if (stream.Documents.Count > 1) Warning(Line(stream.Documents[1].RootNode), "only the first YAML document is read");
                root = stream.Documents.Count == 0 ? null : stream.Documents[0].RootNode;
            }
            catch (YamlException ex)
            {
                Error((int)Math.Min(int.MaxValue, ex.Start.Line), OneLine(YamlMessage(ex)));
                return;
            }
            if (root is null || IsNull(root)) { Error(0, "empty manifest"); return; }
            if (root is not YamlMappingNode map) { Error(Line(root), "a manifest is a map with 'namespace' and 'entries'"); return; }

            string? ns = null;
            YamlSequenceNode? entries = null;
            foreach (var kv in map.Children)
            {
                var value = kv.Value;
                switch ((kv.Key as YamlScalarNode)?.Value)
                {
                    case "version":
                        break;
                    case "namespace":
                        if (value is YamlScalarNode { Value: { Length: > 0 } s } && !IsNull(value)) ns = s;
                        else { Error(Line(value), "'namespace' must be a non-empty string"); return; }
                        break;
                    case "entries":
                        if (value is YamlSequenceNode seq) entries = seq;
                        else if (IsNull(value)) entries = new YamlSequenceNode();
                        else { Error(Line(value), "'entries' must be a list"); return; }
                        break;
                    default:
                        Warning(Line(kv.Key), $"unknown field '{Show(kv.Key)}' is ignored");
                        break;
                }
            }
            if (ns is null) { Error(Line(map), "missing 'namespace'"); return; }
            if (entries is null) { Error(Line(map), "missing 'entries' list"); return; }
            _doc.Namespace = ns;
            int index = 0;
            foreach (var node in entries.Children)
            {
                index++;
                if (node is not YamlMappingNode e) { Error(Line(node), $"entry {index} is not a map"); continue; }
                if (ReadEntry(ns, index, e) is { } entry) _doc.Entries.Add(entry);
            }
            CheckRequires(ns);
        }

        /// <summary>
        /// <c>lifecycle.requires</c> of the services: a required entry of this manifest's namespace must be declared in
        /// it, and services must not require each other in a cycle (they could never start). Entries of other
        /// namespaces are not checked here (another manifest may declare them). A service with an error is dropped.
        /// </summary>
        private void CheckRequires(string ns)
        {
            var services = new Dictionary<string, ManifestEntry>(StringComparer.Ordinal);
            foreach (var entry in _doc.Entries)
                if (entry.Service is not null) services[entry.Reference] = entry;
            var bad = new HashSet<string>(StringComparer.Ordinal);
            foreach (var entry in _doc.Entries)
            {
                if (entry.Service is null) continue;
                foreach (var r in entry.Service.Requires)
                {
                    if (r.Name.StartsWith(ns + ":", StringComparison.Ordinal) && !_named.Contains(r.Name))
                    {
                        Error(r.Line, $"service '{entry.Reference}' requires '{r.Name}', which is not declared");
                        bad.Add(entry.Reference);
                    }
                }
            }
            // Depth-first search for a cycle among the services of this manifest; each cycle is reported once, at
            // the requires item that closes it.
            var state = new Dictionary<string, int>(StringComparer.Ordinal);
            var path = new List<string>();
            foreach (var entry in _doc.Entries)
                if (entry.Service is not null) Visit(entry);
            _doc.Entries.RemoveAll(e => bad.Contains(e.Reference));

            void Visit(ManifestEntry entry)
            {
                if (state.TryGetValue(entry.Reference, out var st) && st != 0) return;
                state[entry.Reference] = 1;
                path.Add(entry.Reference);
                foreach (var r in entry.Service!.Requires)
                {
                    if (!services.TryGetValue(r.Name, out var next)) continue;
                    state.TryGetValue(r.Name, out var ns2);
                    if (ns2 == 1)
                    {
                        var cycle = path.GetRange(path.IndexOf(r.Name), path.Count - path.IndexOf(r.Name));
                        cycle.Add(r.Name);
                        Error(r.Line, $"service '{entry.Reference}': 'lifecycle.requires' forms a cycle: {string.Join(" -> ", cycle)}");
                        foreach (var c in cycle) bad.Add(c);
                    }
                    else if (ns2 == 0) Visit(next);
                }
                path.RemoveAt(path.Count - 1);
                state[entry.Reference] = 2;
            }
        }

        /// <summary>A reference to another entry: <c>namespace:name</c>, or a bare name in this manifest's namespace.</summary>
        private static string Qualify(string ns, string name) => name.IndexOf(':') < 0 ? ns + ":" + name : name;

        private bool ReadService(string ns, ManifestEntry entry, YamlMappingNode e)
        {
            var reference = entry.Reference;
            var service = new ManifestService();
            foreach (var kv in e.Children)
                if (Show(kv.Key) is not ("name" or "kind" or "process" or "host" or "input" or "lifecycle" or "meta" or "comment" or "description") and var key)
                    Warning(Line(kv.Key), $"service '{reference}': unknown field '{key}' is ignored");
            foreach (var field in new[] { "process", "host" })
            {
                var node = Child(e, field);
                if (Text(node) is not { Length: > 0 } target || node is not YamlScalarNode)
                {
                    Error(node is null ? entry.Line : Line(node), $"service '{reference}' has no '{field}' (the {(field == "process" ? "entry it runs" : "host it runs on")}, 'namespace:name')");
                    return false;
                }
                target = Qualify(ns, target);
                if (!IsValidReference(target)) { Error(Line(node), $"service '{reference}': malformed '{field}' reference '{target}': {ReferenceSyntax.Expected}"); return false; }
                if (field == "process") service.Process = target;
                else service.Host = target;
            }
            if (Child(e, "input") is { } input && !IsNull(input))
            {
                var items = input is YamlSequenceNode seq ? seq.Children : (IList<YamlNode>)new List<YamlNode> { input };
                foreach (var item in items)
                {
                    if (item is not YamlScalarNode scalar)
                    {
                        Error(Line(item), $"service '{reference}': 'input' is a list of values (strings, numbers, true/false, null)");
                        return false;
                    }
                    service.Input.Add(InputValue(scalar));
                }
            }
            if (Child(e, "lifecycle") is { } lifeNode && !IsNull(lifeNode))
            {
                if (lifeNode is not YamlMappingNode life) { Error(Line(lifeNode), $"service '{reference}': 'lifecycle' must be a map"); return false; }
                foreach (var kv in life.Children)
                {
                    var value = kv.Value;
                    long ticks = -1;
                    switch (Show(kv.Key))
                    {
                        case "auto_start":
                            if (Boolean(value) is { } autoStart) entry.AutoStart = autoStart;
                            else { Error(Line(value), $"service '{reference}': 'lifecycle.auto_start' must be true or false"); return false; }
                            break;
                        case "start_timeout":
                            if (!DurationField(reference, "lifecycle.start_timeout", value, ref ticks)) return false;
                            service.StartTimeout = ticks;
                            break;
                        case "stop_timeout":
                            if (!DurationField(reference, "lifecycle.stop_timeout", value, ref ticks)) return false;
                            service.StopTimeout = ticks;
                            break;
                        case "stable_threshold":
                            if (!DurationField(reference, "lifecycle.stable_threshold", value, ref ticks)) return false;
                            service.StableThreshold = ticks;
                            break;
                        case "readiness":
                            switch (Text(value))
                            {
                                case "signal" when value is YamlScalarNode: service.SignalsReady = true; break;
                                case "running" when value is YamlScalarNode: service.SignalsReady = false; break;
                                default:
                                    Error(Line(value), $"service '{reference}': 'lifecycle.readiness' must be 'running' (started when its main runs) or 'signal' (started when it calls process.ready()) (got {(IsNull(value) ? "null" : Show(value))})");
                                    return false;
                            }
                            break;
                        case "requires" or "depends_on":
                            if (IsNull(value)) break;
                            var list = value is YamlSequenceNode seq ? seq.Children : (IList<YamlNode>)new List<YamlNode> { value };
                            foreach (var item in list)
                            {
                                if (Text(item) is not { Length: > 0 } required || item is not YamlScalarNode)
                                {
                                    Error(Line(item), $"service '{reference}': 'lifecycle.requires' is a list of entries ('namespace:name')");
                                    return false;
                                }
                                required = Qualify(ns, required);
                                if (!IsValidReference(required)) { Error(Line(item), $"service '{reference}': malformed required reference '{required}': {ReferenceSyntax.Expected}"); return false; }
                                if (required == reference) { Error(Line(item), $"service '{reference}' requires itself"); return false; }
                                service.Requires.Add(new ManifestImport(required, Line(item)));
                            }
                            break;
                        case "restart":
                            if (IsNull(value)) break;
                            if (value is not YamlMappingNode restart) { Error(Line(value), $"service '{reference}': 'lifecycle.restart' must be a map"); return false; }
                            if (!ReadRestart(reference, service, restart)) return false;
                            break;
                        default:
                            Warning(Line(kv.Key), $"service '{reference}': unknown field 'lifecycle.{Show(kv.Key)}' is ignored");
                            break;
                    }
                }
            }
            entry.Service = service;
            return true;
        }

        /// <summary>A <c>process.supervisor</c>: host, strategy, intensity, period and its children.</summary>
        private bool ReadSupervisor(string ns, ManifestEntry entry, YamlMappingNode e)
        {
            var reference = entry.Reference;
            var sup = new ManifestSupervisor();
            foreach (var kv in e.Children)
                if (Show(kv.Key) is not ("name" or "kind" or "host" or "strategy" or "intensity" or "period" or "children" or "meta" or "comment" or "description") and var key)
                    Warning(Line(kv.Key), $"supervisor '{reference}': unknown field '{key}' is ignored");
            var hostNode = Child(e, "host");
            if (Text(hostNode) is not { Length: > 0 } host || hostNode is not YamlScalarNode)
            {
                Error(hostNode is null ? entry.Line : Line(hostNode), $"supervisor '{reference}' has no 'host' (the host it runs on, 'namespace:name')");
                return false;
            }
            sup.Host = Qualify(ns, host);
            if (!IsValidReference(sup.Host)) { Error(Line(hostNode), $"supervisor '{reference}': malformed 'host' reference '{sup.Host}': {ReferenceSyntax.Expected}"); return false; }
            if (Child(e, "strategy") is { } strategy && !IsNull(strategy))
            {
                if (Text(strategy) is not { } st || strategy is not YamlScalarNode || SupervisionSyntax.Strategy(st) < 0)
                {
                    Error(Line(strategy), $"supervisor '{reference}': 'strategy' must be one_for_one, one_for_all or rest_for_one (got {Show(strategy)})");
                    return false;
                }
                sup.Strategy = st;
            }
            if (Child(e, "intensity") is { } intensity && !IsNull(intensity))
            {
                int n = 0;
                if (!Integer(reference, "intensity", intensity, 0, int.MaxValue, ref n, "supervisor")) return false;
                sup.Intensity = n;
            }
            if (Child(e, "period") is { } period && !IsNull(period))
            {
                long ticks = -1;
                if (!DurationField(reference, "period", period, ref ticks, "supervisor")) return false;
                if (ticks == 0) { Error(Line(period), $"supervisor '{reference}': 'period' must be positive"); return false; }
                sup.Period = ticks;
            }
            var childrenNode = Child(e, "children");
            if (childrenNode is not null && !IsNull(childrenNode))
            {
                if (childrenNode is not YamlSequenceNode list) { Error(Line(childrenNode), $"supervisor '{reference}': 'children' must be a list"); return false; }
                foreach (var item in list.Children)
                {
                    if (item is not YamlMappingNode c) { Error(Line(item), $"supervisor '{reference}': a child is a map (process, host, input, restart, shutdown, id, name)"); return false; }
                    if (ReadChild(ns, reference, sup, c) is not { } child) return false;
                    if (child.Process == reference) { Error(child.ProcessLine, $"supervisor '{reference}' has itself as a child"); return false; }
                    if (sup.Children.Exists(x => x.Id == child.Id))
                    {
                        Error(child.Line, $"supervisor '{reference}': two children have the id '{child.Id}' (give one an 'id')");
                        return false;
                    }
                    sup.Children.Add(child);
                }
            }
            entry.Supervisor = sup;
            return true;
        }

        private ManifestChild? ReadChild(string ns, string reference, ManifestSupervisor sup, YamlMappingNode c)
        {
            var child = new ManifestChild { Line = Line(c), Host = sup.Host };
            foreach (var kv in c.Children)
                if (Show(kv.Key) is not ("id" or "process" or "host" or "input" or "restart" or "shutdown" or "name" or "readiness" or "start_timeout" or "comment") and var key)
                    Warning(Line(kv.Key), $"supervisor '{reference}': unknown child field '{key}' is ignored");
            var processNode = Child(c, "process");
            if (Text(processNode) is not { Length: > 0 } process || processNode is not YamlScalarNode)
            {
                Error(processNode is null ? child.Line : Line(processNode), $"supervisor '{reference}': a child has no 'process' (the entry it runs, 'namespace:name')");
                return null;
            }
            child.Process = Qualify(ns, process);
            child.ProcessLine = Line(processNode);
            if (!IsValidReference(child.Process)) { Error(child.ProcessLine, $"supervisor '{reference}': malformed child 'process' reference '{child.Process}': {ReferenceSyntax.Expected}"); return null; }
            child.Id = child.Process;
            if (Child(c, "id") is { } idNode && !IsNull(idNode))
            {
                if (Text(idNode) is not { Length: > 0 } id || idNode is not YamlScalarNode) { Error(Line(idNode), $"supervisor '{reference}': a child's 'id' must be a non-empty string"); return null; }
                child.Id = id;
            }
            if (Child(c, "host") is { } hostNode && !IsNull(hostNode))
            {
                if (Text(hostNode) is not { Length: > 0 } host || hostNode is not YamlScalarNode) { Error(Line(hostNode), $"supervisor '{reference}': child '{child.Id}': 'host' must be a 'namespace:name' reference"); return null; }
                child.Host = Qualify(ns, host);
                child.HostLine = Line(hostNode);
                if (!IsValidReference(child.Host)) { Error(child.HostLine, $"supervisor '{reference}': child '{child.Id}': malformed 'host' reference '{child.Host}': {ReferenceSyntax.Expected}"); return null; }
            }
            if (Child(c, "input") is { } input && !IsNull(input))
            {
                var items = input is YamlSequenceNode seq ? seq.Children : (IList<YamlNode>)new List<YamlNode> { input };
                foreach (var item in items)
                {
                    if (item is not YamlScalarNode scalar)
                    {
                        Error(Line(item), $"supervisor '{reference}': child '{child.Id}': 'input' is a list of values (strings, numbers, true/false, null)");
                        return null;
                    }
                    child.Input.Add(InputValue(scalar));
                }
            }
            if (Child(c, "restart") is { } restart && !IsNull(restart))
            {
                if (Text(restart) is not { } r || restart is not YamlScalarNode || SupervisionSyntax.Restart(r) < 0)
                {
                    Error(Line(restart), $"supervisor '{reference}': child '{child.Id}': 'restart' must be permanent, transient or temporary (got {Show(restart)})");
                    return null;
                }
                child.Restart = r;
            }
            if (Child(c, "shutdown") is { } shutdown && !IsNull(shutdown))
            {
                if (shutdown is YamlScalarNode && SupervisionSyntax.TryParseShutdown(Text(shutdown), out var ticks)) child.Shutdown = ticks;
                else
                {
                    Error(Line(shutdown), $"supervisor '{reference}': child '{child.Id}': 'shutdown' must be {SupervisionSyntax.ShutdownExpected} (got {Show(shutdown)})");
                    return null;
                }
            }
            if (Child(c, "name") is { } nameNode && !IsNull(nameNode))
            {
                if (Text(nameNode) is not { Length: > 0 } name || nameNode is not YamlScalarNode) { Error(Line(nameNode), $"supervisor '{reference}': child '{child.Id}': 'name' must be a non-empty string (the registry name)"); return null; }
                child.Name = name;
            }
            if (Child(c, "readiness") is { } readiness && !IsNull(readiness))
            {
                switch (Text(readiness))
                {
                    case "signal" when readiness is YamlScalarNode: child.SignalsReady = true; break;
                    case "running" when readiness is YamlScalarNode: break;
                    default:
                        Error(Line(readiness), $"supervisor '{reference}': child '{child.Id}': 'readiness' must be 'running' or 'signal' (got {Show(readiness)})");
                        return null;
                }
            }
            if (Child(c, "start_timeout") is { } startTimeout && !IsNull(startTimeout))
            {
                long ticks = -1;
                if (!DurationField(reference, $"child '{child.Id}': 'start_timeout'", startTimeout, ref ticks, "supervisor")) return null;
                if (ticks == 0) { Error(Line(startTimeout), $"supervisor '{reference}': child '{child.Id}': 'start_timeout' must be positive"); return null; }
                child.StartTimeout = ticks;
            }
            return child;
        }

        private bool ReadRestart(string reference, ManifestService service, YamlMappingNode restart)
        {
            foreach (var kv in restart.Children)
            {
                var value = kv.Value;
                var key = Show(kv.Key);
                long ticks = -1;
                switch (key)
                {
                    case "initial_delay":
                        if (!DurationField(reference, "lifecycle.restart.initial_delay", value, ref ticks)) return false;
                        service.InitialDelay = ticks;
                        break;
                    case "max_delay":
                        if (!DurationField(reference, "lifecycle.restart.max_delay", value, ref ticks)) return false;
                        service.MaxDelay = ticks;
                        break;
                    case "backoff_factor" or "jitter":
                        if (Text(value) is not { } t || value is not YamlScalarNode
                            || !double.TryParse(t, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var d)
                            || double.IsNaN(d) || double.IsInfinity(d) || (key == "backoff_factor" ? d < 1.0 : d is < 0.0 or > 1.0))
                        {
                            Error(Line(value), $"service '{reference}': 'lifecycle.restart.{key}' must be {(key == "backoff_factor" ? "a number of at least 1" : "a number from 0 to 1")} (got {Show(value)})");
                            return false;
                        }
                        if (key == "jitter") service.Jitter = d;
                        else service.BackoffFactor = d;
                        break;
                    case "max_attempts":
                        int attempts = 0;
                        if (!Integer(reference, "lifecycle.restart.max_attempts", value, 0, int.MaxValue, ref attempts, "service")) return false;
                        service.MaxAttempts = attempts;
                        break;
                    default:
                        Warning(Line(kv.Key), $"service '{reference}': unknown field 'lifecycle.restart.{key}' is ignored");
                        break;
                }
            }
            if (service.InitialDelay >= 0 && service.MaxDelay >= 0 && service.MaxDelay < service.InitialDelay)
            {
                Error(Line(restart), $"service '{reference}': 'lifecycle.restart.max_delay' must not be less than 'initial_delay'");
                return false;
            }
            return true;
        }

        private bool DurationField(string reference, string field, YamlNode value, ref long ticks, string what = "service")
        {
            // A lifecycle duration has no sign (DurationSyntax takes one, for the runtime's relative times).
            if (value is YamlScalarNode && Text(value)?.Trim() is { Length: > 0 } text && text[0] is not ('-' or '+')
                && DurationSyntax.TryParseTicks(text, out var parsed, out _))
            {
                ticks = parsed;
                return true;
            }
            var named = field.StartsWith("child ", StringComparison.Ordinal) ? field : $"'{field}'";
            Error(Line(value), $"{what} '{reference}': {named} must be a duration such as 500ms, 10s, 1m30s (got {(IsNull(value) ? "null" : Show(value))})");
            return false;
        }

        private ManifestEntry? ReadEntry(string ns, int index, YamlMappingNode e)
        {
            int line = Line(e);
            if (!Scalar(e, "name", out var name, out _)) return null;
            if (name is null || name.Length == 0) { Error(line, $"entry {index} has no 'name'"); return null; }
            var reference = ns + ":" + name;
            if (!IsValidReference(reference)) { Error(line, $"malformed entry reference '{reference}': {ReferenceSyntax.Expected}"); return null; }
            if (!Scalar(e, "kind", out var kind, out _)) return null;
            if (_declared.TryGetValue(reference, out var first))
            {
                Error(line, $"entry '{reference}' is declared twice (first at {first})");
                return null;
            }
            _declared[reference] = $"{_file}:{line}";
            _named.Add(reference);
            var entry = new ManifestEntry(name, reference, kind, line);
            bool ok = kind switch
            {
                ProcessHost => ReadHost(entry, e),
                ProcessLua or FunctionLua => ReadProcess(entry, e),
                LibraryLua => ReadSource(entry, e),
                ProcessService => ReadService(ns, entry, e),
                ProcessSupervisor => ReadSupervisor(ns, entry, e),
                _ => Unsupported(entry),
            };
            return ok ? entry : null;
        }

        private bool Unsupported(ManifestEntry entry)
        {
            Warning(entry.Line, $"entry '{entry.Reference}' has unsupported kind '{entry.Kind ?? "(none)"}'; it was not loaded");
            return true;
        }

        private bool ReadHost(ManifestEntry entry, YamlMappingNode e)
        {
            var reference = entry.Reference;
            bool ok = true;
            int workers = 0, mailboxLimit = 0;
            foreach (var kv in e.Children)
            {
                var value = kv.Value;
                switch ((kv.Key as YamlScalarNode)?.Value)
                {
                    case "name" or "kind" or "meta" or "comment" or "description":
                        break;
                    case "workers":
                        ok &= Integer(reference, "workers", value, 1, MaxWorkers, ref workers);
                        break;
                    case "host" when value is YamlMappingNode hm:
                        foreach (var setting in hm.Children)
                        {
                            switch ((setting.Key as YamlScalarNode)?.Value)
                            {
                                case "workers": ok &= Integer(reference, "workers", setting.Value, 1, MaxWorkers, ref workers); break;
                                case "mailbox_limit": ok &= Integer(reference, "mailbox_limit", setting.Value, 1, int.MaxValue, ref mailboxLimit); break;
                                default: Warning(Line(setting.Key), $"host '{reference}': unknown setting '{Show(setting.Key)}' is ignored (known: workers, mailbox_limit)"); break;
                            }
                        }
                        break;
                    case "host" when IsNull(value):
                        break;
                    case "host":
                        Error(Line(value), $"host '{reference}': 'host' must be a map (workers, mailbox_limit)");
                        ok = false;
                        break;
                    case "lifecycle" when value is YamlMappingNode lm:
                        foreach (var setting in lm.Children)
                        {
                            if ((setting.Key as YamlScalarNode)?.Value != "auto_start") continue;
                            if (Boolean(setting.Value) is { } autoStart) entry.AutoStart = autoStart;
                            else { Error(Line(setting.Value), $"host '{reference}': 'lifecycle.auto_start' must be true or false"); ok = false; }
                        }
                        break;
                    case "lifecycle" when IsNull(value):
                        break;
                    case "lifecycle":
                        Error(Line(value), $"host '{reference}': 'lifecycle' must be a map");
                        ok = false;
                        break;
                    default:
                        Warning(Line(kv.Key), $"host '{reference}': unknown field '{Show(kv.Key)}' is ignored");
                        break;
                }
            }
            entry.Workers = workers;
            entry.MailboxLimit = mailboxLimit;
            return ok;
        }

        private bool ReadProcess(ManifestEntry entry, YamlMappingNode e)
        {
            var reference = entry.Reference;
            foreach (var kv in e.Children)
                if (Show(kv.Key) is not ("name" or "kind" or "source" or "method" or "modules" or "imports" or "meta" or "lifecycle" or "isolation" or "comment" or "description") and var key)
                    Warning(Line(kv.Key), $"entry '{reference}': unknown field '{key}' is ignored");
            if (!Scalar(e, "method", out var method, out _)) return false;
            if (method is { Length: > 0 }) entry.Method = method;
            if (Child(e, "isolation") is { } isolation)
            {
                if (Text(isolation) is not (IsolationShared or IsolationState))
                {
                    Error(Line(isolation), $"entry '{reference}': 'isolation' must be 'shared' or 'state' (got {(IsNull(isolation) ? "null" : Show(isolation))})");
                    return false;
                }
                entry.Isolation = Text(isolation)!;
            }
            foreach (var key in new[] { "imports", "modules" })
            {
                var node = Child(e, key);
                if (node is null || IsNull(node)) continue;
                if (key == "imports" && node is YamlMappingNode aliases)
                {
                    // Wippy's form: `alias: namespace:name`, the library entry that require(alias) loads.
                    foreach (var kv in aliases.Children)
                    {
                        if (Text(kv.Key) is not { Length: > 0 } alias || Text(kv.Value) is not { Length: > 0 } target)
                        {
                            Error(Line(kv.Key), $"entry '{reference}': 'imports' maps a name to a library entry ('name: namespace:name')");
                            return false;
                        }
                        entry.Imports.Add(new ManifestImport(target, Line(kv.Value), alias));
                    }
                    continue;
                }
                if (node is not YamlSequenceNode list) { Error(Line(node), $"entry '{reference}': '{key}' must be a list" + (key == "imports" ? " or a map of name to library entry" : "")); return false; }
                foreach (var item in list.Children)
                {
                    var name = item switch
                    {
                        YamlScalarNode when IsNull(item) => null,
                        YamlScalarNode s => s.Value,
                        YamlMappingNode m => Text(Child(m, "name")) ?? Text(Child(m, "entry")),
                        _ => null,
                    };
                    if (name is null || name.Length == 0) { Error(Line(item), $"entry '{reference}': '{key}' items are names"); return false; }
                    entry.Imports.Add(new ManifestImport(name, Line(item)));
                }
            }
            if (Child(e, "meta") is { } metaNode && !IsNull(metaNode))
            {
                if (metaNode is not YamlMappingNode meta) { Error(Line(metaNode), $"entry '{reference}': 'meta' must be a map"); return false; }
                int budget = MaxMetaNodes;
                foreach (var kv in meta.Children)
                {
                    var converted = Convert(kv.Value, 0, ref budget);
                    if (budget < 0) { Error(Line(metaNode), $"entry '{reference}': 'meta' is too large or too deep"); return false; }
                    entry.Meta[Show(kv.Key)] = converted;
                }
                if (Child(meta, "topics") is { } topicsNode && !IsNull(topicsNode))
                {
                    if (topicsNode is not YamlMappingNode topics) { Error(Line(topicsNode), $"entry '{reference}': 'meta.topics' must be a map of topic to payload type"); return false; }
                    foreach (var kv in topics.Children)
                    {
                        if (Text(kv.Key) is not { Length: > 0 } topic)
                        {
                            Error(Line(kv.Key), $"entry '{reference}': a topic of 'meta.topics' must be a non-empty string");
                            return false;
                        }
                        // `topic: Type`, or `topic: { payload: Type, reply: Type }` for a call.
                        var typeNode = kv.Value;
                        string? reply = null;
                        if (kv.Value is YamlMappingNode call)
                        {
                            typeNode = null;
                            foreach (var field in call.Children)
                            {
                                var key = Text(field.Key);
                                if (key == "payload") typeNode = field.Value;
                                else if (key == "reply")
                                {
                                    if (!ReplyType(reference, topic, field.Value, out reply)) return false;
                                }
                                else
                                {
                                    Error(Line(field.Key), $"entry '{reference}': topic '{topic}' of 'meta.topics' has an unknown field '{Show(field.Key)}' (a topic is 'Type' or {{ payload: Type, reply: Type }})");
                                    return false;
                                }
                            }
                        }
                        var type = Text(typeNode)?.Trim();
                        if (typeNode is not null and not YamlScalarNode)
                        {
                            Error(Line(typeNode), $"entry '{reference}': the payload type of topic '{topic}' must be a type name or 'any'");
                            return false;
                        }
                        if (!entry.Topics.Exists(t => t.Name == topic))
                            entry.Topics.Add(new TopicDeclaration(topic, type is null || type.Length == 0 || type == "any" ? null : type, reply));
                        if (type is { Length: > 0 } and not "any") entry.TypeNames.Add(new ManifestTypeName(type, Line(typeNode!), "meta.topics"));
                    }
                }
                if (Child(meta, "args") is { } argsNode && !IsNull(argsNode) && !ReadArgs(entry, argsNode)) return false;
            }
            return ReadSource(entry, e);
        }

        /// <summary>
        /// <c>meta.args</c>: main's argument types, as a list (<c>[long, string]</c>: arguments <c>arg1</c>, <c>arg2</c>)
        /// or a map of name to type (<c>{ count: long, label: string }</c>); <c>any</c> takes any value.
        /// </summary>
        private bool ReadArgs(ManifestEntry entry, YamlNode node)
        {
            var reference = entry.Reference;
            var items = new List<(string Name, YamlNode NameNode, YamlNode Type)>();
            if (node is YamlSequenceNode list)
            {
                int i = 0;
                foreach (var item in list.Children) items.Add(("arg" + ++i, item, item));
            }
            else if (node is YamlMappingNode map)
            {
                foreach (var kv in map.Children)
                {
                    if (Text(kv.Key) is not { } name || !IsIdentifier(name))
                    {
                        Error(Line(kv.Key), $"entry '{reference}': an argument name of 'meta.args' must be an identifier (letters, digits, '_'; got '{Show(kv.Key)}')");
                        return false;
                    }
                    if (items.Exists(a => a.Name == name)) { Error(Line(kv.Key), $"entry '{reference}': argument '{name}' of 'meta.args' is declared twice"); return false; }
                    items.Add((name, kv.Key, kv.Value));
                }
            }
            else
            {
                Error(Line(node), $"entry '{reference}': 'meta.args' must be a list of types or a map of argument name to type");
                return false;
            }
            var args = new List<ArgumentDeclaration>();
            foreach (var (name, _, typeNode) in items)
            {
                if (typeNode is not YamlScalarNode || Text(typeNode)?.Trim() is not { Length: > 0 } type)
                {
                    Error(Line(typeNode), $"entry '{reference}': the type of argument '{name}' of 'meta.args' must be a type name or 'any'");
                    return false;
                }
                args.Add(new ArgumentDeclaration(name, type == "any" ? null : type));
                if (type != "any") entry.TypeNames.Add(new ManifestTypeName(type, Line(typeNode), "meta.args"));
            }
            entry.Args = args;
            return true;
        }

        private static bool IsIdentifier(string name)
        {
            if (name.Length == 0 || !(char.IsLetter(name[0]) || name[0] == '_')) return false;
            foreach (var c in name)
                if (!(char.IsLetterOrDigit(c) || c == '_')) return false;
            return true;
        }

        /// <summary>
        /// The <c>reply:</c> type of a topic of <c>meta.topics</c>: a C# type that a Lua value arrives as (a Lua reply is
        /// never anything else, so any other type would make every call fail). <c>any</c> is <c>object?</c>.
        /// </summary>
        private bool ReplyType(string reference, string topic, YamlNode node, out string? reply)
        {
            reply = Text(node)?.Trim();
            if (node is YamlScalarNode && reply is { Length: > 0 })
            {
                if (reply == "any") { reply = "object?"; return true; }
                var bare = reply[reply.Length - 1] == '?' ? reply.Substring(0, reply.Length - 1).TrimEnd() : reply;
                foreach (var prefix in new[] { "global::", "System.", "Typed.Processes." })
                    if (bare.StartsWith(prefix, StringComparison.Ordinal)) bare = bare.Substring(prefix.Length);
                if (Array.IndexOf(LuaReplyTypes, bare) >= 0) return true;
                Error(Line(node), $"entry '{reference}': topic '{topic}' replies with '{reply}', which a Lua reply never is; " + LuaReplyTypesText);
                return false;
            }
            Error(Line(node), $"entry '{reference}': the reply type of topic '{topic}' must be a type name or 'any'; " + LuaReplyTypesText);
            reply = null;
            return false;
        }

        private bool ReadSource(ManifestEntry entry, YamlMappingNode e)
        {
            if (!Scalar(e, "source", out var source, out var node)) return false;
            entry.SourceLine = node is null ? entry.Line : Line(node);
            if (source is null || source.Length == 0) { Error(entry.SourceLine, $"entry '{entry.Reference}' has no 'source'"); return false; }
            entry.Source = source;
            return true;
        }

        private bool Integer(string reference, string field, YamlNode value, int min, int max, ref int result, string what = "host")
        {
            if (value is YamlScalarNode { Value: { } s } && !IsNull(value)
                && long.TryParse(s, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var n)
                && n >= min && n <= max)
            {
                result = (int)n;
                return true;
            }
            var range = max == int.MaxValue ? $"an integer >= {min}" : $"an integer from {min} to {max}";
            Error(Line(value), $"{what} '{reference}': '{field}' must be {range} (got {(IsNull(value) ? "null" : Show(value))})");
            return false;
        }

        /// <summary>Reads an optional scalar field (null when absent or null); false (with an error) if it is not a scalar.</summary>
        private bool Scalar(YamlMappingNode e, string key, out string? value, out YamlNode? node)
        {
            value = null;
            node = Child(e, key);
            if (node is null) return true;
            if (node is YamlScalarNode s) { value = IsNull(s) ? null : s.Value; return true; }
            Error(Line(node), $"'{key}' must be a string");
            return false;
        }
    }

    /// <summary>An argument of <c>input</c>: a plain scalar as YAML reads it (null, true/false, an integer as long, a
    /// number as double), anything else (quoted, or text) as a string.</summary>
    internal static object? InputValue(YamlScalarNode scalar)
    {
        if (IsNull(scalar)) return null;
        var text = scalar.Value ?? "";
        if (scalar.Style is not (ScalarStyle.Plain or ScalarStyle.Any)) return text;
        if (Boolean(scalar) is { } b) return b;
        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        if (long.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, invariant, out var l)) return l;
        if (double.TryParse(text, System.Globalization.NumberStyles.Float, invariant, out var d) && !double.IsNaN(d) && !double.IsInfinity(d)) return d;
        return text;
    }

    /// <summary>A scalar's text; null for YAML null and for lists and maps.</summary>
    private static string? Text(YamlNode? node) => node is YamlScalarNode s && !IsNull(s) ? s.Value : null;

    private static bool? Boolean(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any } s
            ? s.Value switch { "true" or "True" or "TRUE" => true, "false" or "False" or "FALSE" => false, _ => null }
            : null;

    private static object? Convert(YamlNode node, int depth, ref int budget)
    {
        if (--budget < 0 || depth > MaxMetaDepth) { budget = -1; return null; }
        switch (node)
        {
            case YamlScalarNode s:
                return IsNull(s) ? null : s.Value;
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
                foreach (var kv in map.Children)
                {
                    dict[Show(kv.Key)] = Convert(kv.Value, depth + 1, ref budget);
                    if (budget < 0) return null;
                }
                return dict;
            default:
                return null;
        }
    }

    /// <summary>A YamlDotNet error without the position that <see cref="Exception.Message"/> starts with (the line is reported apart).</summary>
    private static string YamlMessage(YamlException ex)
    {
        var message = ex.Message;
        var cut = message.Length > 0 && message[0] == '(' ? message.IndexOf("): ", StringComparison.Ordinal) : -1;
        return cut < 0 ? message : message.Substring(cut + 3);
    }

    /// <summary>The deepest nesting of collections in the first document, and the line where it is reached.</summary>
    private static (int Depth, int Line) Nesting(string text)
    {
        // YamlDotNet's parser is an explicit state machine (no recursion), so this pass is safe on any input; the
        // representation model built afterwards recurses once per level, so its depth must be known first.
        var parser = new Parser(new StringReader(text));
        int depth = 0, max = 0, line = 0;
        while (parser.MoveNext())
        {
            switch (parser.Current)
            {
                case SequenceStart or MappingStart:
                    if (++depth > max) { max = depth; line = (int)Math.Min(int.MaxValue, parser.Current.Start.Line); }
                    if (max > MaxNesting) return (max, line);
                    break;
                case SequenceEnd or MappingEnd:
                    depth--;
                    break;
            }
        }
        return (max, line);
    }
}
