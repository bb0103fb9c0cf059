// Shared by the generator and the analyzers (linked into both).
using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;

namespace Typed.Processes.SourceModel;

/// <summary>A topic: its name and payload type as C# source (null: any payload).</summary>
internal sealed record TopicDeclaration(string Name, string? PayloadType);

/// <summary>A <c>process.lua</c> entry read from a manifest.</summary>
/// <param name="Reference">namespace:name.</param>
/// <param name="SourceFile">The full path of its <c>file://</c> source, or null when inline.</param>
/// <param name="InlineTopics">Topics found in an inline source.</param>
/// <param name="MetaTopics">Topics from <c>meta.topics</c>.</param>
internal sealed record LuaEntryDeclaration(string Reference, string? SourceFile, EquatableArray<TopicDeclaration> InlineTopics, EquatableArray<TopicDeclaration> MetaTopics, int Line);

/// <summary>What one <c>_index.yaml</c> declares.</summary>
internal sealed record LuaManifestDeclaration(string Path, EquatableArray<LuaEntryDeclaration> Entries, EquatableArray<string> Hosts, string? Error, int ErrorLine);

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

    /// <summary>Reads one manifest; a malformed one comes back with <see cref="LuaManifestDeclaration.Error"/> set.</summary>
    public static LuaManifestDeclaration Read(string path, string text)
    {
        var entries = new List<LuaEntryDeclaration>();
        var hosts = new List<string>();
        object? root;
        try
        {
            root = MiniYaml.Parse(text);
        }
        catch (YamlException ex)
        {
            return new LuaManifestDeclaration(path, EquatableArray<LuaEntryDeclaration>.Empty, EquatableArray<string>.Empty, ex.Message, ex.Line);
        }
        if (root is not Dictionary<string, object?> doc || doc.TryGetValue("namespace", out var nsValue) is false || nsValue is not string ns)
            return new LuaManifestDeclaration(path, EquatableArray<LuaEntryDeclaration>.Empty, EquatableArray<string>.Empty, "the manifest has no 'namespace'", 1);
        var lines = text.Replace("\r\n", "\n").Split('\n');
        if (doc.TryGetValue("entries", out var list) && list is List<object?> items)
        {
            foreach (var item in items.OfType<Dictionary<string, object?>>())
            {
                if (!item.TryGetValue("name", out var nameValue) || nameValue is not string name) continue;
                var kind = item.TryGetValue("kind", out var k) ? k as string : null;
                var reference = ns + ":" + name;
                if (kind == "process.host") hosts.Add(reference);
                if (kind != "process.lua") continue;
                int line = FindLine(lines, name);
                string? file = null;
                var inline = EquatableArray<TopicDeclaration>.Empty;
                if (item.TryGetValue("source", out var src) && src is string source)
                {
                    if (source.StartsWith("file://", StringComparison.Ordinal))
                        file = NormalizePath(System.IO.Path.Combine(System.IO.Path.GetDirectoryName(path) ?? "", source.Substring("file://".Length)));
                    else inline = ScanTopics(source);
                }
                var meta = EquatableArray<TopicDeclaration>.Empty;
                if (item.TryGetValue("meta", out var m) && m is Dictionary<string, object?> metaMap &&
                    metaMap.TryGetValue("topics", out var t) && t is Dictionary<string, object?> topics)
                {
                    meta = topics.Select(p => new TopicDeclaration(p.Key, p.Value is string s && s.Trim().Length > 0 && s.Trim() != "any" ? s.Trim() : null)).ToEquatableArray();
                }
                entries.Add(new LuaEntryDeclaration(reference, file, inline, meta, line));
            }
        }
        return new LuaManifestDeclaration(path, entries.ToEquatableArray(), hosts.ToEquatableArray(), null, 0);
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

    private static int FindLine(string[] lines, string name)
    {
        for (int i = 0; i < lines.Length; i++)
        {
            var l = lines[i].Trim();
            if (l.StartsWith("- name:", StringComparison.Ordinal) || l.StartsWith("name:", StringComparison.Ordinal))
                if (l.Substring(l.IndexOf(':') + 1).Trim().Trim('"', '\'') == name) return i + 1;
        }
        return 1;
    }
}
