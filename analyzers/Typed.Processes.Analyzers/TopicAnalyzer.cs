using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Typed.Processes.Analyzers;

/// <summary>
/// TP0001 and TP0004: a constant topic sent to a typed PID (<c>Pid&lt;T&gt;</c>) must be a topic of T, and the payload
/// must fit the topic's payload type. TP0011: a call (<c>CallAsync&lt;R&gt;</c>) must ask for the topic's reply type.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class TopicAnalyzer : DiagnosticAnalyzer
{
    /// <summary>Diagnostic property: the declared topics nearest to the unknown one, best first, separated by '\n'.</summary>
    public const string CandidatesProperty = "Candidates";

    /// <summary>Diagnostic property of TP0011: the topic's reply type, fully qualified (absent when it declares none).</summary>
    public const string ReplyProperty = "Reply";

    private const int MaxCandidates = 3;

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(Diagnostics.UnknownTopic, Diagnostics.PayloadNotAccepted, Diagnostics.ReplyTypeMismatch);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            if (KnownTypes.Create(start.Compilation) is not { TopicName: not null, TypedPid: not null } types) return;
            var manifestTopics = EntryTopics.ReadManifestTopics(start.Options.AdditionalFiles, start.CancellationToken);
            start.RegisterOperationAction(c =>
            {
                var invocation = (IInvocationOperation)c.Operation;
                AnalyzeCall(c, types, manifestTopics, invocation.Arguments, invocation.TargetMethod);
            }, OperationKind.Invocation);
            start.RegisterOperationAction(c => AnalyzeCall(c, types, manifestTopics, ((IObjectCreationOperation)c.Operation).Arguments), OperationKind.ObjectCreation);
        });
    }

    private static void AnalyzeCall(OperationAnalysisContext context, KnownTypes types, IReadOnlyDictionary<string, string[]> manifestTopics,
        ImmutableArray<IArgumentOperation> arguments, IMethodSymbol? method = null)
    {
        foreach (var argument in arguments)
        {
            if (argument.Parameter is not { } parameter || !KnownTypes.Has(parameter, types.TopicName)) continue;
            if (argument.Value.ConstantValue is not { HasValue: true, Value: string topic }) continue;
            if (TargetEntry(arguments, types) is not { } target || EntryTopics.Of(target, types, manifestTopics, context.CancellationToken) is not { } entry) continue;

            if (!entry.Topics.TryGetValue(topic, out var payloadType))
            {
                if (entry.AcceptsOtherTopics) continue;
                var candidates = entry.Topics.Keys
                    .OrderBy(t => References.Distance(topic, t)).ThenBy(t => t, System.StringComparer.Ordinal)
                    .Take(MaxCandidates).ToArray();
                var hint = candidates.Length > 0 ? $"; did you mean '{candidates[0]}'?" : "; it declares no topics";
                var properties = ImmutableDictionary<string, string?>.Empty.Add(CandidatesProperty, string.Join("\n", candidates));
                context.ReportDiagnostic(Diagnostic.Create(Diagnostics.UnknownTopic, argument.Value.Syntax.GetLocation(), properties, topic, entry.Name, hint));
                continue;
            }
            if (payloadType is not null) CheckPayload(context, arguments, topic, entry, payloadType);
            if (IsCall(method)) CheckReply(context, method!, topic, entry);
        }
    }

    /// <summary>True for <c>CallAsync&lt;T&gt;</c> of ProcessContext or ProcessRuntime.</summary>
    private static bool IsCall(IMethodSymbol? method) =>
        method is { Name: "CallAsync", TypeArguments.Length: 1 } &&
        method.ContainingType?.ToDisplayString() is "Typed.Processes.ProcessContext" or "Typed.Processes.ProcessRuntime";

    /// <summary>TP0011: the reply type asked for must be one the topic's reply is (the runtime checks <c>reply is T</c>).</summary>
    private static void CheckReply(OperationAnalysisContext context, IMethodSymbol method, string topic, EntryTopics entry)
    {
        var asked = method.TypeArguments[0];
        if (asked.TypeKind == TypeKind.Error) return;
        string problem;
        var properties = ImmutableDictionary<string, string?>.Empty;
        if (entry.Replies.TryGetValue(topic, out var reply))
        {
            var conversion = Microsoft.CodeAnalysis.CSharp.CSharpExtensions.ClassifyConversion(context.Compilation, reply, asked);
            if (conversion.IsIdentity || (conversion.IsImplicit && (conversion.IsReference || conversion.IsBoxing || conversion.IsNullable))) return;
            // A reply declared as object or a base type may hold the narrower type asked for (reply is T).
            if (conversion.IsExplicit && (conversion.IsReference || conversion.IsUnboxing)) return;
            problem = $"replies with '{reply.ToDisplayString()}', not '{asked.ToDisplayString()}'";
            properties = properties.Add(ReplyProperty, reply.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat));
        }
        else if (entry.RepliesAreComplete)
            problem = "declares no reply, so a call to it is never answered: return the reply from its handler, or declare it with [Topic(..., Reply = typeof(T))]";
        else return;
        var syntax = context.Operation.Syntax;
        var name = (syntax as Microsoft.CodeAnalysis.CSharp.Syntax.InvocationExpressionSyntax)?.Expression switch
        {
            Microsoft.CodeAnalysis.CSharp.Syntax.MemberAccessExpressionSyntax access => access.Name,
            Microsoft.CodeAnalysis.CSharp.Syntax.SimpleNameSyntax simple => simple,
            _ => null,
        };
        var location = name is Microsoft.CodeAnalysis.CSharp.Syntax.GenericNameSyntax generic
            ? generic.TypeArgumentList.Arguments[0].GetLocation()
            : syntax.GetLocation();
        context.ReportDiagnostic(Diagnostic.Create(Diagnostics.ReplyTypeMismatch, location, properties, topic, entry.Name, problem));
    }

    /// <summary>T of the call's <c>Pid&lt;T&gt;</c> argument (also behind an implicit conversion to <c>Pid</c>).</summary>
    private static ITypeSymbol? TargetEntry(ImmutableArray<IArgumentOperation> arguments, KnownTypes types)
    {
        foreach (var argument in arguments)
        {
            var value = argument.Value;
            while (true)
            {
                if (value.Type is INamedTypeSymbol { IsGenericType: true } named && KnownTypes.Is(named.OriginalDefinition, types.TypedPid))
                    return named.TypeArguments[0];
                if (value is IConversionOperation conversion && conversion.Conversion.IsImplicit) value = conversion.Operand;
                else break;
            }
        }
        return null;
    }

    private static void CheckPayload(OperationAnalysisContext context, ImmutableArray<IArgumentOperation> arguments, string topic, EntryTopics entry, ITypeSymbol payloadType)
    {
        var argument = arguments.FirstOrDefault(a => a.Parameter?.Name == "payload");
        if (argument is null) return;
        var value = argument.Value;
        // Look through the conversion to the parameter's type (usually object) to the value's own type.
        while (value is IConversionOperation conversion && (conversion.Conversion.IsImplicit || conversion.Type?.SpecialType == SpecialType.System_Object))
            value = conversion.Operand;
        if (value.Type is null)
        {
            // null or default literal: fine for reference and nullable types.
            if (value.ConstantValue is { HasValue: true, Value: null } &&
                payloadType.IsValueType && payloadType.OriginalDefinition.SpecialType != SpecialType.System_Nullable_T)
            {
                context.ReportDiagnostic(Diagnostic.Create(Diagnostics.PayloadNotAccepted, argument.Value.Syntax.GetLocation(),
                    topic, entry.Name, payloadType.ToDisplayString(), "null"));
            }
            return;
        }
        if (value.Type.TypeKind == TypeKind.Error) return;
        if (context.Compilation.ClassifyCommonConversion(value.Type, payloadType).IsImplicit) return;
        context.ReportDiagnostic(Diagnostic.Create(Diagnostics.PayloadNotAccepted, argument.Value.Syntax.GetLocation(),
            topic, entry.Name, payloadType.ToDisplayString(), value.Type.ToDisplayString()));
    }
}
