using Typed.Processes.SourceModel;

namespace Typed.Processes.Generators.Emitting;

/// <summary>Emits a <c>[Supervisor]</c> class's partial part: its reference, specification, entry, start stubs and child factory.</summary>
internal static class SupervisorEmitter
{
    private const string Runtime = EntryEmitter.Runtime;
    private const string GeneratedCode = EntryEmitter.GeneratedCode;
    private static readonly string[] StrategyNames = ["OneForOne", "OneForAll", "RestForOne"];

    public static string HintName(SupervisorModel model) =>
        (model.Namespace is null ? "" : model.Namespace + ".") + model.TypeName + ".Supervisor.g.cs";

    public static string Emit(SupervisorModel s)
    {
        var w = new IndentedWriter();
        EntryEmitter.Header(w);
        if (s.Namespace is not null) w.Open("namespace " + s.Namespace);
        w.Open($"partial class {s.TypeName}");
        var self = $"<see cref=\"{s.TypeName}\"/>";
        w.Line($"/// <summary>The entry reference of the supervisor {self}: <c>{EntryEmitter.Xml(s.Reference)}</c>.</summary>");
        w.Line($"public const string EntryReference = {Names.Literal(s.Reference)};");
        w.Line();
        w.Line($"/// <summary>The specification of {self}: its strategy, intensity and period, and the children <c>Children()</c> returns (built anew at each call).</summary>");
        w.Line(GeneratedCode);
        w.Open($"public static {Runtime}.SupervisorSpec Spec() => new {Runtime}.SupervisorSpec");
        w.Line($"Strategy = {Runtime}.RestartStrategy.{StrategyNames[s.Strategy]},");
        w.Line($"MaxRestarts = {s.Intensity},");
        w.Line($"Period = global::System.TimeSpan.FromTicks({s.PeriodTicks}L),");
        w.Line($"Children = global::System.Linq.Enumerable.ToArray(Children()),");
        w.Close(";");
        w.Line();
        w.Line($"/// <summary>The runtime entry for {self}; <c>AddGeneratedEntries()</c> registers it.</summary>");
        w.Line(GeneratedCode);
        w.Line($"public static {Runtime}.SupervisorEntry CreateEntry() => new {Runtime}.SupervisorEntry(EntryReference, Spec());");
        w.Line();
        w.Line($"/// <summary>Starts a {self} supervisor on <paramref name=\"host\"/> from outside any process, once all its children have started (see <c>StartSupervisorAsync</c>).</summary>");
        w.Line(GeneratedCode);
        w.Line($"public static global::System.Threading.Tasks.Task<{Runtime}.Result<{Runtime}.RunningProcess>> StartAsync({Runtime}.ProcessRuntime runtime, {Runtime}.HostRef host) =>");
        w.Line($"    {Runtime}.SupervisorExtensions.StartSupervisorAsync(runtime, Spec(), host);");
        w.Line();
        w.Line($"/// <summary>Starts a {self} supervisor linked to this process (OTP's <c>start_link</c>), once all its children have started.</summary>");
        w.Line(GeneratedCode);
        w.Line($"public static global::System.Threading.Tasks.ValueTask<{Runtime}.Result<{Runtime}.Pid>> StartLinkedAsync({Runtime}.ProcessContext context, {Runtime}.HostRef host) =>");
        w.Line($"    {Runtime}.SupervisorExtensions.StartSupervisorAsync(context, Spec(), host);");
        w.Line();
        w.Line($"/// <summary>A child of another supervisor that runs a {self} supervisor on <paramref name=\"host\"/> (a nested supervisor: its failure escalates).</summary>");
        w.Line(GeneratedCode);
        w.Line($"public static {Runtime}.ChildSpec Child(string childId, {Runtime}.HostRef host) => new {Runtime}.ChildSpec(childId, EntryReference, host);");
        w.Close();
        if (s.Namespace is not null) w.Close();
        return w.ToString();
    }
}
