using Typed.Processes.SourceModel;

namespace Typed.Processes.Lua;

/// <summary>A <c>process.host</c> entry of a manifest.</summary>
/// <param name="Reference">The host reference, <c>namespace:name</c>.</param>
/// <param name="Workers">Worker threads (<c>host.workers</c>, 1 to 256; the number of cores when absent).</param>
/// <param name="MailboxLimit">Per-process mailbox limit (<c>host.mailbox_limit</c>, at least 1); 0 when absent (the runtime's default).</param>
/// <param name="AutoStart">False if <c>lifecycle.auto_start</c> is false: <see cref="LuaApplication.AddTo"/> skips the host.</param>
/// <param name="File">The manifest that declares it.</param>
/// <param name="Line">The manifest line of the entry (1-based).</param>
public sealed record LuaHost(string Reference, int Workers, int MailboxLimit, bool AutoStart, string File, int Line);

/// <summary>
/// A <c>process.service</c> entry of a manifest (Wippy's supervised services): <see cref="Process"/> runs on
/// <see cref="Host"/> with <see cref="Input"/> as main's arguments, after the services it <see cref="Requires"/>; an
/// error exit restarts it after <see cref="Restart"/>'s delay, a normal exit or a termination is final.
/// </summary>
/// <param name="Reference">The service's reference, <c>namespace:name</c>.</param>
/// <param name="Process">The entry it runs (a Lua or a C# entry), <c>namespace:name</c>.</param>
/// <param name="Host">The host it runs on.</param>
/// <param name="Input">main's arguments (<c>input</c>): strings, longs, doubles, booleans or null.</param>
/// <param name="AutoStart">False if <c>lifecycle.auto_start</c> is false: started only by name.</param>
/// <param name="Requires">The entries it requires (<c>lifecycle.requires</c>); the services among them start first and stop after it.</param>
/// <param name="StartTimeout">How long its start may take (<c>lifecycle.start_timeout</c>, default 10 s).</param>
/// <param name="StopTimeout">How long it has to end after a cancel before it is terminated (<c>lifecycle.stop_timeout</c>, default 10 s).</param>
/// <param name="Restart">The delay before each restart (<c>lifecycle.restart</c>); <see cref="RestartBackoff.StableAfter"/> is <c>stable_threshold</c>.</param>
/// <param name="MaxAttempts">Restarts before the service gives up (<c>lifecycle.restart.max_attempts</c>); 0 for no limit.</param>
/// <param name="File">The manifest that declares it.</param>
/// <param name="Line">The manifest line of the entry (1-based).</param>
public sealed record LuaService(string Reference, string Process, string Host, IReadOnlyList<object?> Input, bool AutoStart, IReadOnlyList<string> Requires,
    TimeSpan StartTimeout, TimeSpan StopTimeout, RestartBackoff Restart, int MaxAttempts, string File, int Line)
{
    /// <summary>True with <c>lifecycle.readiness: signal</c>: the service is started when its process calls
    /// <c>process.ready()</c> (C#: <see cref="ProcessContext.SignalReady"/>); false (<c>running</c>, the default): when
    /// its main begins running.</summary>
    public bool SignalsReady { get; init; }
}

/// <summary>What loading an application folder found.</summary>
public sealed class LuaApplication
{
    /// <summary>The largest worker count a manifest may ask for (the runtime's limit).</summary>
    public const int MaxWorkers = ManifestReader.MaxWorkers;

    // Lua sources are rarely above 100 KB; 16 MiB refuses a device or a huge file named by mistake before reading it.
    private const long MaxSourceBytes = 16 << 20;

    private static readonly StringComparison PathComparison =
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    // Filled by the loader only; callers see read-only views (what was loaded is not theirs to change).
    private readonly Dictionary<string, LuaHost> _hosts = new(StringComparer.Ordinal);
    private readonly List<LuaEntry> _entries = [];
    private readonly List<LuaService> _services = [];
    private readonly List<SupervisorEntry> _supervisors = [];
    private readonly List<string> _errors = [];
    private readonly List<string> _warnings = [];

    /// <summary>Hosts declared (kind <c>process.host</c>), by reference.</summary>
    public IReadOnlyDictionary<string, LuaHost> Hosts => _hosts;

    /// <summary>Lua process entries.</summary>
    public IReadOnlyList<LuaEntry> Entries => _entries;

    /// <summary>Supervisors declared (kind <c>process.supervisor</c>): entries like <see cref="Entries"/>, added to a
    /// runtime by <see cref="AddTo"/> (see docs/supervision.md).</summary>
    public IReadOnlyList<SupervisorEntry> Supervisors => _supervisors;

    /// <summary>Services declared (kind <c>process.service</c>), in start order: every service after the services it requires
    /// (otherwise in the order of the manifests and their entries).</summary>
    public IReadOnlyList<LuaService> Services => _services;

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

    /// <summary>
    /// Reads manifests given as text, as <see cref="Load"/> reads <c>_index.yaml</c> files: the same reader, rules and
    /// messages, each problem named by the manifest's <c>name</c> (in place of a file path) and line. For manifests
    /// that are not files (configuration, tests): an entry whose source is a file (<c>file://</c>) is an error, since
    /// such a manifest has no folder; inline sources are read. Never throws.
    /// </summary>
    /// <param name="manifests">Each manifest's name (used in messages) and YAML text, in load order.</param>
    /// <param name="options">Lua options, as for <see cref="Load"/>.</param>
    public static LuaApplication LoadText(IEnumerable<KeyValuePair<string, string>> manifests, LuaOptions? options = null)
    {
        var app = new LuaApplication();
        if (manifests is null)
        {
            app._errors.Add("no manifests were given");
            return app;
        }
        try
        {
            new Loader(app, options).RunText(manifests);
        }
        catch (Exception ex)
        {
            app._errors.Add($"could not load the manifests: {SafeMessage(ex)}");
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
        foreach (var supervisor in Supervisors) runtime.Entries.Add(supervisor);
    }

    /// <summary>
    /// Reads the manifests with <see cref="ManifestReader"/> (shared with the source generator and the analyzers, so
    /// that all three agree on what a manifest declares and which manifests are wrong) and adds what needs the file
    /// system: sources that stay inside their manifest's folder, their Lua syntax, and imports of library entries.
    /// </summary>
    private sealed class Loader(LuaApplication app, LuaOptions? options)
    {
        private readonly record struct Pending(ManifestEntry Entry, string File, string? Dir, string? RealDir);

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
            Finish();
        }

        public void RunText(IEnumerable<KeyValuePair<string, string>> manifests)
        {
            foreach (var (name, text) in manifests)
            {
                if (text is null || System.Text.Encoding.UTF8.GetByteCount(text) > ManifestReader.MaxManifestBytes) { Error(name ?? "", 0, ManifestReader.TooLarge); continue; }
                ReadManifest(name ?? "", text, null, null);
            }
            Finish();
        }

        private void Finish()
        {
            foreach (var p in _pending) AddProcess(p);
            OrderServices();
            CheckSupervisorCycles();
        }

        private readonly List<LuaService> _declaredServices = [];
        private readonly Dictionary<string, (string File, int Line)> _supervisorLines = new(StringComparer.Ordinal);

        /// <summary>
        /// A supervisor that is its own descendant (through other supervisors' children) would start copies of itself
        /// without end: every supervisor on such a cycle is an error, and dropped.
        /// </summary>
        private void CheckSupervisorCycles()
        {
            var byRef = app._supervisors.ToDictionary(s => s.Reference, StringComparer.Ordinal);
            var bad = new HashSet<string>(StringComparer.Ordinal);
            foreach (var start in app._supervisors)
            {
                // Depth-first from start: reaching start again is a cycle.
                var stack = new Stack<(string Ref, string Path)>();
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var c in start.Spec.Children) stack.Push((c.Entry, start.Reference + " -> " + c.Entry));
                while (stack.Count > 0)
                {
                    var (r, path) = stack.Pop();
                    if (r == start.Reference)
                    {
                        var (file, line) = _supervisorLines[start.Reference];
                        Error(file, line, $"supervisor '{start.Reference}' is its own descendant: {path}");
                        bad.Add(start.Reference);
                        break;
                    }
                    if (!seen.Add(r) || !byRef.TryGetValue(r, out var next)) continue;
                    foreach (var c in next.Spec.Children) stack.Push((c.Entry, path + " -> " + c.Entry));
                }
            }
            app._supervisors.RemoveAll(s => bad.Contains(s.Reference));
        }

        /// <summary>
        /// Checks what the reader cannot see from one manifest (a required entry of another namespace, a cycle through
        /// services of several manifests) and puts the services in start order.
        /// </summary>
        private void OrderServices()
        {
            var byRef = new Dictionary<string, LuaService>(StringComparer.Ordinal);
            foreach (var s in _declaredServices) byRef[s.Reference] = s;
            var bad = new HashSet<string>(StringComparer.Ordinal);
            foreach (var s in _declaredServices)
                foreach (var r in s.Requires)
                    if (!_declared.ContainsKey(r))
                    {
                        Error(s.File, s.Line, $"service '{s.Reference}' requires '{r}', which is not declared");
                        bad.Add(s.Reference);
                    }
            var state = new Dictionary<string, int>(StringComparer.Ordinal);
            var path = new List<string>();
            foreach (var s in _declaredServices) Visit(s);

            void Visit(LuaService s)
            {
                if (state.GetValueOrDefault(s.Reference) != 0) return;
                state[s.Reference] = 1;
                path.Add(s.Reference);
                foreach (var r in s.Requires)
                {
                    if (!byRef.TryGetValue(r, out var next)) continue;
                    var st = state.GetValueOrDefault(r);
                    if (st == 1)
                    {
                        var cycle = path[path.IndexOf(r)..];
                        Error(s.File, s.Line, $"service '{s.Reference}': 'lifecycle.requires' forms a cycle: {string.Join(" -> ", cycle)} -> {r}");
                        bad.UnionWith(cycle);
                    }
                    else if (st == 0) Visit(next);
                    if (bad.Contains(r)) bad.Add(s.Reference);
                }
                path.RemoveAt(path.Count - 1);
                state[s.Reference] = 2;
                if (!bad.Contains(s.Reference)) app._services.Add(s);
            }
            app._services.RemoveAll(s => bad.Contains(s.Reference));
        }

        private void Error(string file, int line, string message) => app._errors.Add(new ManifestProblem(true, line, message).Format(file));

        private void Warning(string file, int line, string message) => app._warnings.Add(new ManifestProblem(false, line, message).Format(file));

        private void LoadManifest(string file)
        {
            string text;
            try
            {
                // The size is checked before reading so that a huge file is not read at all.
                if (new FileInfo(file).Length > ManifestReader.MaxManifestBytes) { Error(file, 0, ManifestReader.TooLarge); return; }
                text = File.ReadAllText(file, System.Text.Encoding.UTF8);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                Error(file, 0, ManifestReader.OneLine(SafeMessage(ex)));
                return;
            }
            var dir = Path.GetDirectoryName(Path.GetFullPath(file))!;
            ReadManifest(file, text, dir, RealPath(dir) ?? dir);
        }

        /// <summary>One manifest's text; <paramref name="dir"/> is null for a manifest that is not a file.</summary>
        private void ReadManifest(string file, string text, string? dir, string? realDir)
        {
            var manifest = ManifestReader.Read(file, text, _declared);
            foreach (var problem in manifest.Problems) (problem.IsError ? app._errors : app._warnings).Add(problem.Format(file));
            foreach (var entry in manifest.Entries)
            {
                switch (entry.Kind)
                {
                    case ManifestReader.ProcessHost:
                        var workers = entry.Workers == 0 ? Math.Min(Environment.ProcessorCount, MaxWorkers) : entry.Workers;
                        app._hosts[entry.Reference] = new LuaHost(entry.Reference, workers, entry.MailboxLimit, entry.AutoStart, file, entry.Line);
                        break;
                    case ManifestReader.ProcessLua:
                    case ManifestReader.FunctionLua:
                        _pending.Add(new Pending(entry, file, dir, realDir));
                        break;
                    case ManifestReader.ProcessService when entry.Service is { } sv:
                        var backoff = new RestartBackoff
                        {
                            InitialDelay = sv.InitialDelay >= 0 ? TimeSpan.FromTicks(sv.InitialDelay) : TimeSpan.FromSeconds(1),
                            MaxDelay = sv.MaxDelay >= 0 ? TimeSpan.FromTicks(sv.MaxDelay) : TimeSpan.FromSeconds(90),
                            Factor = sv.BackoffFactor >= 1 ? sv.BackoffFactor : 2.0,
                            Jitter = sv.Jitter >= 0 ? sv.Jitter : 0,
                            StableAfter = sv.StableThreshold >= 0 ? TimeSpan.FromTicks(sv.StableThreshold) : null,
                        };
                        if (sv.InitialDelay >= 0 && sv.MaxDelay < 0 && backoff.MaxDelay < backoff.InitialDelay) backoff = backoff with { MaxDelay = backoff.InitialDelay };
                        if (sv.MaxDelay >= 0 && sv.InitialDelay < 0 && backoff.MaxDelay < backoff.InitialDelay) backoff = backoff with { InitialDelay = backoff.MaxDelay };
                        _declaredServices.Add(new LuaService(entry.Reference, sv.Process, sv.Host, sv.Input.ToArray(), entry.AutoStart,
                            sv.Requires.Select(r => r.Name).ToArray(),
                            sv.StartTimeout >= 0 ? TimeSpan.FromTicks(sv.StartTimeout) : TimeSpan.FromSeconds(10),
                            sv.StopTimeout >= 0 ? TimeSpan.FromTicks(sv.StopTimeout) : TimeSpan.FromSeconds(10),
                            backoff, sv.MaxAttempts, file, entry.Line) { SignalsReady = sv.SignalsReady });
                        break;
                    case ManifestReader.ProcessSupervisor when entry.Supervisor is { } sup:
                        AddSupervisor(file, entry, sup);
                        break;
                    case ManifestReader.LibraryLua:
                        if (ReadSource(file, dir, realDir, entry) is { } src)
                        {
                            var lib = new LuaLibrary(entry.Name, src.Text, src.Chunk);
                            _libraries[entry.Reference] = lib;
                            _libraries.TryAdd(entry.Name, lib);
                        }
                        break;
                }
            }
        }

        /// <summary>A <c>process.supervisor</c> entry as a <see cref="SupervisorEntry"/>; what the reader cannot check
        /// (registry names) is checked here, at the entry's line.</summary>
        private void AddSupervisor(string file, ManifestEntry entry, ManifestSupervisor sup)
        {
            var children = new List<ChildSpec>();
            foreach (var c in sup.Children)
            {
                children.Add(new ChildSpec(c.Id, c.Process, c.Host, [.. c.Input])
                {
                    Restart = (RestartType)SupervisionSyntax.Restart(c.Restart),
                    Shutdown = c.Shutdown < 0 ? null : c.Shutdown == long.MaxValue ? ChildShutdown.Infinity : ChildShutdown.After(TimeSpan.FromTicks(c.Shutdown)),
                    Name = c.Name,
                    SignalsReady = c.SignalsReady,
                    StartTimeout = c.StartTimeout < 0 ? null : TimeSpan.FromTicks(c.StartTimeout),
                });
            }
            var spec = new SupervisorSpec
            {
                Strategy = (RestartStrategy)SupervisionSyntax.Strategy(sup.Strategy),
                MaxRestarts = sup.Intensity >= 0 ? sup.Intensity : 1,
                Period = sup.Period > 0 ? TimeSpan.FromTicks(sup.Period) : TimeSpan.FromSeconds(5),
                Children = children,
            };
            if (spec.Check() is { } invalid)
            {
                Error(file, entry.Line, $"supervisor '{entry.Reference}': {invalid}");
                return;
            }
            app._supervisors.Add(new SupervisorEntry(entry.Reference, spec) { Meta = entry.Meta });
            _supervisorLines[entry.Reference] = (file, entry.Line);
        }

        private void AddProcess(Pending p)
        {
            var (entry, file, dir, realDir) = p;
            var src = ReadSource(file, dir, realDir, entry);
            if (src is null) return;
            var libs = new List<LuaLibrary>();
            foreach (var import in entry.Imports)
            {
                if (_libraries.TryGetValue(import.Name, out var lib)) libs.Add(import.Alias is { } alias ? lib with { Name = alias } : lib);
                else if (import.Alias is not null) Error(file, import.Line, $"'{entry.Reference}' imports '{import.Name}' as '{import.Alias}', but no library.lua entry has that reference");
                else if (import.Name is not ("process" or "channel" or "time" or "uuid")) Warning(file, import.Line, $"'{entry.Reference}' imports unknown module '{import.Name}'");
            }
            // The entry's isolation; every other option is the application's.
            var isolation = entry.Isolation == ManifestReader.IsolationState ? LuaIsolation.State : LuaIsolation.Shared;
            var entryOptions = (options ?? new LuaOptions()) with { Isolation = isolation };
            app._entries.Add(new LuaEntry(entry.Reference, src.Value.Text, src.Value.Chunk, entry.Method, libs, entryOptions) { Meta = entry.Meta });
        }

        private (string Text, string Chunk)? ReadSource(string file, string? dir, string? realDir, ManifestEntry entry)
        {
            var (reference, source, line) = (entry.Reference, entry.Source!, entry.SourceLine);
            string text, chunk;
            if (source.StartsWith("file://", StringComparison.Ordinal))
            {
                if (dir is null || realDir is null)
                {
                    Error(file, line, $"entry '{reference}': a manifest given as text has no folder to read '{source}' from; use an inline source");
                    return null;
                }
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
                    Error(file, line, $"entry '{reference}': cannot read source file '{lexical}': {ManifestReader.OneLine(SafeMessage(ex))}");
                    return null;
                }
                chunk = Path.GetRelativePath(Environment.CurrentDirectory, lexical);
            }
            else
            {
                text = source;
                chunk = $"{Path.GetRelativePath(Environment.CurrentDirectory, file)}[{entry.Name}]";
            }
            if (LuaEntry.CheckSyntax(text, chunk) is { } error) { app._errors.Add(error); return null; }
            return (text, chunk);
        }
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
