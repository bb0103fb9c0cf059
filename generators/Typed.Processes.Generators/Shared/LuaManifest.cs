// Shared by the generator and the analyzers (linked into both). What a manifest means is decided by ManifestReader.
using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;

namespace Typed.Processes.SourceModel;

/// <summary>A <c>process.lua</c> entry read from a manifest.</summary>
/// <param name="Reference">namespace:name.</param>
/// <param name="SourceFile">The full path of its <c>file://</c> source, or null when inline.</param>
/// <param name="InlineTopics">Topics found in an inline source.</param>
/// <param name="MetaTopics">Topics from <c>meta.topics</c>.</param>
/// <param name="Args">main's arguments from <c>meta.args</c>; null when not declared.</param>
internal sealed record LuaEntryDeclaration(string Reference, string? SourceFile, EquatableArray<TopicDeclaration> InlineTopics, EquatableArray<TopicDeclaration> MetaTopics, int Line,
    EquatableArray<ArgumentDeclaration>? Args = null);

/// <summary>An entry or host that a manifest names (a supervisor's child's <c>process</c> or <c>host</c>), with its line.</summary>
internal sealed record ManifestReferenceUse(string Reference, bool IsHost, int Line);

/// <summary>What one <c>_index.yaml</c> declares.</summary>
/// <param name="Errors">The manifest's errors (file-level and per entry); an entry with an error is not among <paramref name="Entries"/>.</param>
/// <param name="Supervisors">Its <c>process.supervisor</c> entries (entries too: they can be spawned and named as children).</param>
/// <param name="Uses">The entries and hosts its supervisors' children name, for the reference checks (TP0002, TP0003).</param>
internal sealed record LuaManifestDeclaration(string Path, EquatableArray<LuaEntryDeclaration> Entries, EquatableArray<string> Hosts, EquatableArray<ManifestProblem> Errors,
    EquatableArray<string> Supervisors = default, EquatableArray<ManifestReferenceUse> Uses = default);

/// <summary>Reads manifests and Lua sources into declarations (entries, hosts, topics).</summary>
internal static class LuaManifest
{
    private static readonly Regex ListenCall = new(
        @"\bprocess\s*\.\s*listen\s*\(\s*(?:""((?:[^""\\\n]|\\.)*)""|'((?:[^'\\\n]|\\.)*)')",
        RegexOptions.CultureInvariant);

    /// <summary>True for a file named <c>_index.yaml</c> (or <c>.yml</c>).</summary>
    public static bool IsManifest(string path)
    {
        var name = System.IO.Path.GetFileName(path);
        return string.Equals(name, "_index.yaml", StringComparison.OrdinalIgnoreCase) || string.Equals(name, "_index.yml", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Topics of literal <c>process.listen("...")</c> calls, in order of first appearance.</summary>
    public static EquatableArray<TopicDeclaration> ScanTopics(string luaSource)
    {
        var seen = new List<string>();
        foreach (Match m in ListenCall.Matches(StripComments(luaSource)))
        {
            var name = m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value;
            if (name.Length > 0 && !seen.Contains(name)) seen.Add(name);
        }
        return seen.Select(n => new TopicDeclaration(n, null)).ToEquatableArray();
    }

    private static string StripComments(string lua) =>
        Regex.Replace(lua, @"--\[(=*)\[[\s\S]*?\]\1\]|--[^\n]*", m => new string('\n', m.Value.Count(c => c == '\n')));

    /// <summary>Reads one manifest (see <see cref="ManifestReader"/>); its errors come back in <see cref="LuaManifestDeclaration.Errors"/>.</summary>
    public static LuaManifestDeclaration Read(string path, string text)
    {
        var document = ManifestReader.Read(path, text);
        var entries = new List<LuaEntryDeclaration>();
        var hosts = new List<string>();
        var supervisors = new List<string>();
        var uses = new List<ManifestReferenceUse>();
        foreach (var entry in document.Entries)
        {
            if (entry.Kind == ManifestReader.ProcessHost) hosts.Add(entry.Reference);
            if (entry.Supervisor is { } sup)
            {
                supervisors.Add(entry.Reference);
                foreach (var child in sup.Children)
                {
                    uses.Add(new ManifestReferenceUse(child.Process, false, child.ProcessLine));
                    if (child.HostLine > 0) uses.Add(new ManifestReferenceUse(child.Host, true, child.HostLine));
                }
            }
            if (!ManifestReader.IsRunnable(entry.Kind) || entry.Source is not { } source) continue;
            string? file = null;
            var inline = EquatableArray<TopicDeclaration>.Empty;
            if (source.StartsWith("file://", StringComparison.Ordinal))
                file = NormalizePath(System.IO.Path.Combine(System.IO.Path.GetDirectoryName(path) ?? "", source.Substring("file://".Length)));
            else inline = ScanTopics(source);
            entries.Add(new LuaEntryDeclaration(entry.Reference, file, inline, entry.Topics.ToEquatableArray(), entry.Line, entry.Args?.ToEquatableArray()));
        }
        var errors = document.Problems.Where(p => p.IsError).ToEquatableArray();
        return new LuaManifestDeclaration(path, entries.ToEquatableArray(), hosts.ToEquatableArray(), errors, supervisors.ToEquatableArray(), uses.ToEquatableArray());
    }

    /// <summary>The entry's topics: <c>meta.topics</c> first (they carry types), then those its source listens on.</summary>
    public static IEnumerable<TopicDeclaration> TopicsOf(LuaEntryDeclaration entry, Func<string, EquatableArray<TopicDeclaration>?> sourceTopics)
    {
        var result = new List<TopicDeclaration>(entry.MetaTopics);
        var scanned = entry.SourceFile is null ? entry.InlineTopics : sourceTopics(entry.SourceFile) ?? EquatableArray<TopicDeclaration>.Empty;
        foreach (var t in scanned)
            if (!result.Any(r => r.Name == t.Name)) result.Add(t);
        return result;
    }

    /// <summary>A path with '/' separators and no '.' or '..' segments, for comparing manifest and source paths.</summary>
    public static string NormalizePath(string path)
    {
        var parts = new List<string>();
        var unified = path.Replace('\\', '/');
        foreach (var part in unified.Split('/'))
        {
            if (part == "." || (part.Length == 0 && parts.Count > 0)) continue;
            if (part == ".." && parts.Count > 0 && parts[parts.Count - 1] != "..") parts.RemoveAt(parts.Count - 1);
            else parts.Add(part);
        }
        return string.Join("/", parts);
    }
}
