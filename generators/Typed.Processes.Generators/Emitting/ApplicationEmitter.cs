using System.Collections.Generic;
using System.Linq;
using Typed.Processes.Generators.Model;
using Typed.Processes.SourceModel;

namespace Typed.Processes.Generators.Emitting;

/// <summary>Emits the reference table with the registration call, and the types that stand for Lua entries.</summary>
internal static class ApplicationEmitter
{
    private const string Runtime = EntryEmitter.Runtime;

    public static string EmitReferences(ApplicationModel app)
    {
        var w = new IndentedWriter();
        EntryEmitter.Header(w);
        // Reachable from every file of the project (a top-level Program.cs, other namespaces) without a using, and
        // without importing the whole root namespace (whose type names could then clash with other usings).
        w.Line($"global using ProcessReferences = global::{app.RootNamespace}.ProcessReferences;");
        w.Line($"global using static global::{app.RootNamespace}.GeneratedProcessRegistration;");
        w.Line();
        w.Open("namespace " + app.RootNamespace);
        w.Line("/// <summary>Every entry and host reference this project declares (C# entries, hosts and Lua manifests).</summary>");
        w.Line(EntryEmitter.GeneratedCode);
        w.Open("internal static class ProcessReferences");
        w.Line("/// <summary>Entry references.</summary>");
        w.Open("public static class Entries");
        var used = new HashSet<string>();
        foreach (var reference in app.Entries.Select(e => e.Reference).Concat(app.LuaEntries.Select(e => e.Reference)).Distinct().OrderBy(r => r, System.StringComparer.Ordinal))
        {
            w.Line($"/// <summary><c>{reference}</c>.</summary>");
            w.Line($"public const string {Names.Unique(Names.Pascal(reference), used)} = {Names.Literal(reference)};");
        }
        w.Close();
        w.Line();
        w.Line("/// <summary>Host references.</summary>");
        w.Open("public static class Hosts");
        used.Clear();
        foreach (var reference in app.Hosts.Select(h => h.Reference).Concat(app.LuaHosts).Distinct().OrderBy(r => r, System.StringComparer.Ordinal))
        {
            w.Line($"/// <summary><c>{reference}</c>.</summary>");
            w.Line($"public static readonly {Runtime}.HostRef {Names.Unique(Names.Pascal(reference), used)} = new {Runtime}.HostRef({Names.Literal(reference)});");
        }
        w.Close();
        w.Close();
        w.Line();
        w.Line("/// <summary>Registers this project's C# entries and declared hosts with a runtime, without reflection.</summary>");
        w.Line(EntryEmitter.GeneratedCode);
        w.Open("internal static class GeneratedProcessRegistration");
        w.Line("/// <summary>");
        w.Line("/// Adds every <c>[assembly: ProcessHost]</c> host the runtime lacks and every <c>[ProcessEntry]</c> class of this project.");
        w.Line("/// Lua entries come from their manifests at run time (<c>AddLuaApplication</c>).");
        w.Line("/// </summary>");
        w.Open($"public static {Runtime}.ProcessRuntime AddGeneratedEntries(this {Runtime}.ProcessRuntime runtime)");
        foreach (var host in app.Hosts)
            w.Line($"if (!runtime.Hosts.Contains({Names.Literal(host.Reference)})) runtime.Hosts.Add({Names.Literal(host.Reference)}, {host.Workers});");
        foreach (var entry in app.Entries.OrderBy(e => e.Reference, System.StringComparer.Ordinal))
            w.Line($"runtime.Entries.Add({entry.FullyQualifiedName}.CreateEntry());");
        w.Line("return runtime;");
        w.Close();
        w.Close();
        w.Close();
        return w.ToString();
    }

    /// <summary>The stubs of a Lua entry: typed when its manifest declares <c>meta.args</c>, else <c>params object?[] args</c>.</summary>
    private static EntryEmitter.StubShape LuaStubShape(string typeName, LuaEntryModel entry)
    {
        var subject = $"<c>{entry.Reference}</c>";
        if (entry.Args is not { } args)
            return new EntryEmitter.StubShape(typeName, subject, "; <paramref name=\"args\"/> reach its main function", ", params object?[] args", ", args", "args", "object?", null);
        var names = EntryEmitter.StubParameters(args.Select(a => a.Name));
        var declared = string.Concat(args.Select((a, i) => $", {a.Type ?? "object?"} {names[i]}"));
        var array = names.Count == 0 ? "global::System.Array.Empty<object?>()" : $"new object?[] {{ {string.Join(", ", names)} }}";
        return new EntryEmitter.StubShape(typeName, subject, "", declared, EntryEmitter.PassedArguments(names), array, "object?", null);
    }

    public static string EmitLuaEntries(ApplicationModel app)
    {
        var w = new IndentedWriter();
        EntryEmitter.Header(w);
        w.Line($"global using LuaEntries = global::{app.RootNamespace}.LuaEntries;");
        w.Line($"global using static global::{app.RootNamespace}.LuaEntryMessages;");
        w.Line();
        // Payload types in manifests (meta.topics) are written as C#; these usings let them be short.
        w.Line("using global::System;");
        w.Line("using global::System.Collections.Generic;");
        w.Line("using global::Typed.Processes;");
        w.Line();
        w.Open("namespace " + app.RootNamespace);
        w.Line("/// <summary>Types that stand for the Lua entries of the application's manifests, with their typed stubs.</summary>");
        w.Line(EntryEmitter.GeneratedCode);
        w.Open("public static class LuaEntries");
        var sends = new List<(string Pid, LuaEntryModel Entry)>();
        var namespaces = new HashSet<string>();
        foreach (var group in app.LuaEntries.GroupBy(e => e.Reference.Substring(0, e.Reference.IndexOf(':'))).OrderBy(g => g.Key, System.StringComparer.Ordinal))
        {
            var nsName = Names.Unique(Names.Pascal(group.Key), namespaces);
            w.Line($"/// <summary>Lua namespace <c>{group.Key}</c>.</summary>");
            w.Open($"public static class {nsName}");
            var names = new HashSet<string>();
            bool first = true;
            foreach (var entry in group.OrderBy(e => e.Reference, System.StringComparer.Ordinal))
            {
                if (!first) w.Line();
                first = false;
                var typeName = Names.Unique(Names.Pascal(entry.Reference.Substring(entry.Reference.IndexOf(':') + 1)), names);
                if (typeName == nsName) typeName += "Entry";
                sends.Add(($"{Runtime}.Pid<LuaEntries.{nsName}.{typeName}>", entry));
                w.Line($"/// <summary>The Lua entry <c>{entry.Reference}</c>.</summary>");
                w.Line($"[{Runtime}.LuaEntry({Names.Literal(entry.Reference)})]");
                foreach (var t in entry.Topics)
                    w.Line($"[{Runtime}.DeclaredTopic({Names.Literal(t.Name)}, {(t.PayloadType is null ? "null" : $"typeof({t.PayloadType.TrimEnd('?')})")}{(t.ReplyType is null ? "" : $", Reply = typeof({t.ReplyType.TrimEnd('?')})")})]");
                w.Open($"public sealed class {typeName}");
                w.Line($"private {typeName}() {{ }}");
                w.Line();
                w.Line("/// <summary>The entry reference.</summary>");
                w.Line($"public const string EntryReference = {Names.Literal(entry.Reference)};");
                w.Line();
                EntryEmitter.EmitTopicConstants(w, typeName, entry.Topics.Select(t => (t.Name, t.PayloadType)));
                EntryEmitter.EmitSpawnStubs(w, LuaStubShape(typeName, entry));
                w.Close();
            }
            w.Close();
        }
        w.Close();
        w.Line();
        w.Line("/// <summary>Typed sends to Lua processes, one per declared topic.</summary>");
        w.Line(EntryEmitter.GeneratedCode);
        w.Open("public static class LuaEntryMessages");
        foreach (var (pid, entry) in sends)
        {
            var used = new HashSet<string>();
            foreach (var t in entry.Topics)
            {
                EntryEmitter.EmitSend(w, Names.Unique("Send" + Names.Pascal(t.Name), used), pid, t.Name, t.PayloadType ?? "object?");
                if (t.ReplyType is not null)
                    EntryEmitter.EmitCall(w, Names.Unique("Call" + Names.Pascal(t.Name) + "Async", used), pid, t.Name, t.PayloadType ?? "object?", t.ReplyType);
            }
        }
        w.Close();
        w.Close();
        return w.ToString();
    }
}
