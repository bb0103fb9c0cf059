using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using Typed.Processes.SourceModel;

namespace Typed.Processes.Analyzers;

/// <summary>
/// TP0010: every value that travels between processes is deeply immutable, by the one shared rule
/// (<c>ImmutabilityProver</c>, which the generator uses to declare the types it proves).
/// <list type="bullet">
/// <item>At the call sites of the untyped runtime API, on the argument (or type argument): the payload of <c>Send</c>
/// and <c>CallAsync</c>, the reply type <c>T</c> of <c>CallAsync&lt;T&gt;</c>, the value of the <c>Reply</c> methods
/// (<c>MessageContext</c>, <c>Message</c>, <c>ReplyHandle</c>), the result of <c>MessageContext.Stop</c>, each spawn
/// argument of <c>Spawn*</c>/<c>Start</c>/<c>RunAsync</c>, and <c>T</c> of <c>Listen&lt;T&gt;</c>/<c>ListenMessages&lt;T&gt;</c>.</item>
/// <item>At the declarations the generated stubs are typed from: a <c>[Topic]</c> handler's payload parameter (and its
/// reply type, when it returns one), a <c>[ProcessMain]</c> method's arguments and result. A call of a generated
/// stub is not reported again: its parameter types are the declaration's.</item>
/// </list>
/// A value whose static type is <c>object</c>, an interface or a type parameter is left to the runtime's check.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PayloadAnalyzer : DiagnosticAnalyzer
{
    private static readonly string[] RuntimeTypes =
    [
        "Typed.Processes.ProcessContext", "Typed.Processes.ProcessRuntime", "Typed.Processes.MessageContext",
        "Typed.Processes.Message", "Typed.Processes.ReplyHandle",
    ];

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Diagnostics.PayloadNotImmutable);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            var runtimeTypes = RuntimeTypes.Select(start.Compilation.GetTypeByMetadataName).Where(t => t is not null).ToImmutableArray();
            if (runtimeTypes.IsEmpty) return;
            start.RegisterOperationAction(c => AnalyzeInvocation(c, runtimeTypes!), OperationKind.Invocation);
            if (start.Compilation.GetTypeByMetadataName("Typed.Processes.ProcessMain") is { } processMain)
                start.RegisterOperationAction(c => AnalyzeProcessMain(c, processMain), OperationKind.DelegateCreation);
            start.RegisterSymbolAction(AnalyzeEntry, SymbolKind.NamedType);
        });
    }

    private static void AnalyzeInvocation(OperationAnalysisContext context, ImmutableArray<INamedTypeSymbol> runtimeTypes)
    {
        var invocation = (IInvocationOperation)context.Operation;
        var method = invocation.TargetMethod;
        if (!runtimeTypes.Any(t => SymbolEqualityComparer.Default.Equals(t, method.ContainingType))) return;
        switch (method.Name)
        {
            case "Send":
                CheckArgument(context, invocation, "payload");
                break;
            case "CallAsync":
                CheckArgument(context, invocation, "payload");
                CheckTypeArgument(context, invocation, 0);
                break;
            case "Reply":
                CheckArgument(context, invocation, "payload");
                CheckArgument(context, invocation, "value");
                break;
            case "Stop":
                CheckArgument(context, invocation, "result");
                break;
            case "Spawn" or "SpawnMonitored" or "SpawnLinked" or "SpawnLinkedMonitored" or "Start" or "RunAsync":
                CheckSpawnArguments(context, invocation);
                break;
            case "Listen" or "ListenMessages":
                CheckTypeArgument(context, invocation, 0);
                break;
        }
    }

    /// <summary>The results of a hand-written entry: the values a lambda converted to <c>ProcessMain</c> returns.</summary>
    private static void AnalyzeProcessMain(OperationAnalysisContext context, INamedTypeSymbol processMain)
    {
        var creation = (IDelegateCreationOperation)context.Operation;
        if (!SymbolEqualityComparer.Default.Equals(creation.Type, processMain) || creation.Target is not IAnonymousFunctionOperation function) return;
        foreach (var operation in function.Body.Descendants())
        {
            if (operation is not IReturnOperation { ReturnedValue: { } value }) continue;
            // Only this lambda's own returns, not those of lambdas or local functions inside it.
            var owner = operation.Parent;
            while (owner is not null and not IAnonymousFunctionOperation and not ILocalFunctionOperation) owner = owner.Parent;
            if (!ReferenceEquals(owner, function)) continue;
            if (function.Symbol.IsAsync) CheckValue(context, value);
            else if (TaskResult(value) is { } result) CheckValue(context, result); // new ValueTask<object?>(x), ValueTask.FromResult(x)
        }
    }

    /// <summary>The result a non-async lambda wraps in its task, when it is written out; else null (not known here).</summary>
    private static IOperation? TaskResult(IOperation value)
    {
        while (value is IConversionOperation conversion && conversion.Conversion.IsImplicit) value = conversion.Operand;
        return value switch
        {
            IObjectCreationOperation { Arguments.Length: 1 } creation when creation.Type?.Name == "ValueTask" => creation.Arguments[0].Value,
            IInvocationOperation { TargetMethod.Name: "FromResult", Arguments.Length: 1 } invocation => invocation.Arguments[0].Value,
            _ => null,
        };
    }

    private static void CheckArgument(OperationAnalysisContext context, IInvocationOperation invocation, string parameter)
    {
        foreach (var argument in invocation.Arguments)
            if (argument.Parameter?.Name == parameter) CheckValue(context, argument.Value);
    }

    /// <summary>Each element of the spawn arguments (the params array, or an array written out in the call).</summary>
    private static void CheckSpawnArguments(OperationAnalysisContext context, IInvocationOperation invocation)
    {
        foreach (var argument in invocation.Arguments)
        {
            if (argument.Parameter?.Name != "args") continue;
            var value = argument.Value;
            while (value is IConversionOperation conversion && conversion.Conversion.IsImplicit) value = conversion.Operand;
            if (value is IArrayCreationOperation { Initializer: { } initializer })
                foreach (var element in initializer.ElementValues) CheckValue(context, element);
        }
    }

    private static void CheckValue(OperationAnalysisContext context, IOperation value)
    {
        var at = value.Syntax.GetLocation();
        // Look through the conversion to the parameter's type (object) to the value's own type.
        while (value is IConversionOperation conversion && (conversion.Conversion.IsImplicit || conversion.Type?.SpecialType == SpecialType.System_Object))
            value = conversion.Operand;
        if (value.Type is { } type) Check(context.ReportDiagnostic, context.Compilation.Assembly, type, at);
    }

    private static void CheckTypeArgument(OperationAnalysisContext context, IInvocationOperation invocation, int index)
    {
        var method = invocation.TargetMethod;
        if (method.TypeArguments.Length <= index) return;
        var name = invocation.Syntax is InvocationExpressionSyntax { Expression: var expression }
            ? expression switch
            {
                MemberAccessExpressionSyntax { Name: GenericNameSyntax generic } => generic,
                MemberBindingExpressionSyntax { Name: GenericNameSyntax generic } => generic,
                GenericNameSyntax generic => generic,
                _ => null,
            }
            : null;
        var at = name is { TypeArgumentList.Arguments.Count: var count } && count > index
            ? name.TypeArgumentList.Arguments[index].GetLocation()
            : invocation.Syntax.GetLocation();
        Check(context.ReportDiagnostic, context.Compilation.Assembly, method.TypeArguments[index], at);
    }

    /// <summary>The declarations generated stubs are typed from: [Topic] payloads (and replies), [ProcessMain] arguments and result.</summary>
    private static void AnalyzeEntry(SymbolAnalysisContext context)
    {
        if (EntryShape.Read((INamedTypeSymbol)context.Symbol, context.CancellationToken) is not { } shape) return;
        foreach (var handler in shape.Handlers)
        {
            if (handler.Payload is { } payload) Check(context.ReportDiagnostic, context.Compilation.Assembly, payload.Type, TypeLocation(payload, context));
            if (handler.Returns is ReturnKind.Value or ReturnKind.TaskOfT or ReturnKind.ValueTaskOfT) CheckResult(context, handler.Method);
            else if (handler.Reply is { } declared) // Reply = typeof(T) of a handler that answers later: the call stubs are typed from it
                Check(context.ReportDiagnostic, context.Compilation.Assembly, declared, ReplyLocation(handler.Method, context));
        }
        if (shape.Main is { } main)
        {
            foreach (var argument in main.Arguments) Check(context.ReportDiagnostic, context.Compilation.Assembly, argument.Type, TypeLocation(argument, context));
            CheckResult(context, main.Method);
        }
    }

    /// <summary>A method's result: the value of its Task&lt;T&gt; or ValueTask&lt;T&gt;, or its return type; none for void, Task, ValueTask.</summary>
    private static void CheckResult(SymbolAnalysisContext context, IMethodSymbol method)
    {
        var type = method.ReturnType;
        if (type.SpecialType == SpecialType.System_Void) return;
        bool unwrapped = false;
        if (type is INamedTypeSymbol named && named.ContainingNamespace?.ToDisplayString() == "System.Threading.Tasks" && named.Name is "Task" or "ValueTask")
        {
            if (!named.IsGenericType) return;
            type = named.TypeArguments[0];
            unwrapped = true;
        }
        var syntax = (method.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(context.CancellationToken) as MethodDeclarationSyntax)?.ReturnType;
        if (unwrapped && syntax is QualifiedNameSyntax qualified) syntax = qualified.Right;
        if (unwrapped && syntax is GenericNameSyntax { TypeArgumentList.Arguments.Count: 1 } generic) syntax = generic.TypeArgumentList.Arguments[0];
        var at = syntax?.GetLocation() ?? method.Locations.FirstOrDefault() ?? Location.None;
        Check(context.ReportDiagnostic, context.Compilation.Assembly, type, at);
    }

    /// <summary>The type in <c>Reply = typeof(T)</c> of the method's [Topic] attribute.</summary>
    private static Location ReplyLocation(IMethodSymbol method, SymbolAnalysisContext context)
    {
        foreach (var attribute in method.GetAttributes())
        {
            if (attribute.AttributeClass?.ToDisplayString() != "Typed.Processes.TopicAttribute") continue;
            if (attribute.ApplicationSyntaxReference?.GetSyntax(context.CancellationToken) is not AttributeSyntax { ArgumentList: { } list } syntax) continue;
            foreach (var argument in list.Arguments)
                if (argument.NameEquals?.Name.Identifier.ValueText == "Reply")
                    return argument.Expression is TypeOfExpressionSyntax typeOf ? typeOf.Type.GetLocation() : argument.GetLocation();
            return syntax.GetLocation();
        }
        return method.Locations.FirstOrDefault() ?? Location.None;
    }

    private static Location TypeLocation(IParameterSymbol parameter, SymbolAnalysisContext context) =>
        parameter.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(context.CancellationToken) is ParameterSyntax { Type: { } type }
            ? type.GetLocation()
            : parameter.Locations.FirstOrDefault() ?? Location.None;

    private static void Check(System.Action<Diagnostic> report, IAssemblySymbol compilation, ITypeSymbol type, Location at)
    {
        if (ImmutabilityProver.IsStaticallyUnknown(type)) return;
        if (ImmutabilityProver.WhyNot(type, compilation) is not { } why) return;
        report(Diagnostic.Create(Diagnostics.PayloadNotImmutable, at, ImmutabilityProver.DisplayName(type), why));
    }
}
