using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Typed.Processes.SourceModel;

namespace Typed.Processes.Analyzers;

/// <summary>
/// The entry and host references one compilation declares and uses, collected while the compilation is analyzed and
/// checked against each other at its end. Declarations come from [ProcessEntry]/[LuaEntry] types (in the compilation and
/// in referenced assemblies), [assembly: ProcessHost], manifests among the AdditionalFiles, and constant registrations
/// (<c>Entries.Add</c>, <c>new CSharpEntry</c>, <c>new LuaEntry</c>, <c>Hosts.Add</c>). A registration with a computed
/// reference, or a manifest with errors, makes the set incomplete: then only malformed references are reported.
/// </summary>
internal sealed class KnownReferences
{
    private readonly ConcurrentDictionary<string, byte> _entries = new(System.StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _hosts = new(System.StringComparer.Ordinal);
    private readonly ConcurrentQueue<(string Reference, Location Location)> _entryUses = new();
    private readonly ConcurrentQueue<(string Reference, Location Location)> _hostUses = new();
    private int _entriesIncomplete;
    private int _hostsIncomplete;

    /// <summary>Process entries read from manifests: reference and manifest path.</summary>
    public List<(string Reference, string Manifest)> ManifestEntries { get; } = new();

    /// <summary>[LuaEntry] marker types of the compilation: reference and type name.</summary>
    public ConcurrentQueue<(string Reference, string Type)> LuaMarkers { get; } = new();

    /// <summary>True when at least one manifest was among the AdditionalFiles.</summary>
    public bool HasManifests { get; private set; }

    public ICollection<string> Entries => _entries.Keys;
    public ICollection<string> Hosts => _hosts.Keys;
    public bool EntriesIncomplete => Volatile.Read(ref _entriesIncomplete) != 0;
    public bool HostsIncomplete => Volatile.Read(ref _hostsIncomplete) != 0;
    public IEnumerable<(string Reference, Location Location)> EntryUses => _entryUses;
    public IEnumerable<(string Reference, Location Location)> HostUses => _hostUses;

    public void AddEntry(string reference) => _entries.TryAdd(reference, 0);
    public void AddHost(string reference) => _hosts.TryAdd(reference, 0);
    public void EntryRegistrationIsComputed() => Interlocked.Exchange(ref _entriesIncomplete, 1);
    public void HostRegistrationIsComputed() => Interlocked.Exchange(ref _hostsIncomplete, 1);
    public void UseEntry(string reference, Location location) => _entryUses.Enqueue((reference, location));
    public void UseHost(string reference, Location location) => _hostUses.Enqueue((reference, location));

    /// <summary>Reads the manifests among the AdditionalFiles (called once, at compilation start).</summary>
    public void ReadManifests(AnalyzerOptions options, CancellationToken cancellationToken)
    {
        foreach (var file in options.AdditionalFiles)
        {
            if (!LuaManifest.IsManifest(file.Path)) continue;
            HasManifests = true;
            var source = file.GetText(cancellationToken);
            if (source is null) continue;
            var manifest = LuaManifest.Read(file.Path, source.ToString());
            if (manifest.Errors.Count > 0)
            {
                // A manifest with errors (reported as TP0009) may declare more than was read from it: no reference is
                // reported as undeclared while it is broken.
                EntryRegistrationIsComputed();
                HostRegistrationIsComputed();
            }
            foreach (var entry in manifest.Entries)
            {
                AddEntry(entry.Reference);
                ManifestEntries.Add((entry.Reference, file.Path));
            }
            foreach (var host in manifest.Hosts) AddHost(host);
            foreach (var supervisor in manifest.Supervisors) AddEntry(supervisor);
            // A supervisor's children name entries and hosts: checked as C# uses are, at their manifest line.
            foreach (var use in manifest.Uses)
            {
                var location = ManifestAnalyzer.LineLocation(file.Path, source, use.Line);
                if (use.IsHost) UseHost(use.Reference, location);
                else UseEntry(use.Reference, location);
            }
        }
    }

    /// <summary>
    /// Adds the [ProcessEntry]/[LuaEntry] types of the compilation (generated sources included) and of the referenced
    /// assemblies that reference the Typed.Processes attributes.
    /// </summary>
    public void AddDeclaredTypes(Compilation compilation, KnownTypes types, CancellationToken cancellationToken)
    {
        Visit(compilation.Assembly.GlobalNamespace, own: true);
        var abstractions = types.ProcessEntry!.ContainingAssembly;
        foreach (var assembly in compilation.SourceModule.ReferencedAssemblySymbols)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (SymbolEqualityComparer.Default.Equals(assembly, abstractions)) continue;
            if (!assembly.Modules.Any(m => m.ReferencedAssemblySymbols.Any(r => SymbolEqualityComparer.Default.Equals(r, abstractions)))) continue;
            Visit(assembly.GlobalNamespace, own: false);
            foreach (var a in assembly.GetAttributes())
                if (KnownTypes.Is(a.AttributeClass, types.ProcessHost) && KnownTypes.FirstString(a) is { } host) AddHost(host);
        }
        void Visit(INamespaceOrTypeSymbol container, bool own)
        {
            foreach (var member in container.GetMembers())
            {
                if (member is INamespaceSymbol ns) { Visit(ns, own); continue; }
                if (member is not INamedTypeSymbol type) continue;
                if (KnownTypes.FirstString(KnownTypes.Find(type, types.ProcessEntry)) is { } reference) AddEntry(reference);
                if (KnownTypes.FirstString(KnownTypes.Find(type, types.Supervisor)) is { } supervisor) AddEntry(supervisor);
                if (KnownTypes.FirstString(KnownTypes.Find(type, types.LuaEntry)) is { } lua)
                {
                    AddEntry(lua);
                    if (own) LuaMarkers.Enqueue((lua, type.ToDisplayString()));
                }
                if (type.GetTypeMembers().Length > 0) Visit(type, own);
            }
        }
    }

    /// <summary>The declared reference nearest to <paramref name="reference"/> within a small edit distance.</summary>
    public static string? Nearest(string reference, IEnumerable<string> declared) =>
        declared
            .Select(d => (Name: d, Distance: References.Distance(reference, d)))
            .Where(d => d.Distance <= System.Math.Max(2, reference.Length / 3))
            .OrderBy(d => d.Distance).ThenBy(d => d.Name, System.StringComparer.Ordinal)
            .Select(d => d.Name).FirstOrDefault();
}
