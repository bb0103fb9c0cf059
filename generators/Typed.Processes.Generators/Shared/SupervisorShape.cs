// Shared by the generator and the analyzers (linked into both): the one reading of a [Supervisor] class, so that the
// generator emits code exactly for the classes the analyzers accept (TP0013 for the others).
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;

namespace Typed.Processes.SourceModel;

/// <summary>What the generator needs of a valid <c>[Supervisor]</c> class (value-equatable).</summary>
/// <param name="Reference">The entry reference.</param>
/// <param name="Namespace">The class's namespace, or null for the global namespace.</param>
/// <param name="TypeName">The class's name.</param>
/// <param name="Strategy">The index of its strategy in <see cref="SupervisionSyntax.Strategies"/> (the runtime's <c>RestartStrategy</c>).</param>
/// <param name="Intensity">Restarts allowed within the period.</param>
/// <param name="PeriodTicks">The period, in ticks.</param>
internal sealed record SupervisorModel(string Reference, string? Namespace, string TypeName, int Strategy, int Intensity, long PeriodTicks)
{
    public string FullyQualifiedName => "global::" + (Namespace is null ? "" : Namespace + ".") + TypeName;
}

/// <summary>A <c>[Supervisor]</c> class as the rules read it: its model when valid, else its problems (TP0013).</summary>
internal sealed class SupervisorShape
{
    public const string SupervisorAttribute = "Typed.Processes.SupervisorAttribute";
    private const string ChildSpecType = "Typed.Processes.ChildSpec";

    private SupervisorShape(SupervisorModel? model, List<(Location Location, string Message)> problems)
    {
        Model = model;
        Problems = problems;
    }

    /// <summary>The model, when the class has no problem.</summary>
    public SupervisorModel? Model { get; }

    /// <summary>What is wrong, each at its location.</summary>
    public IReadOnlyList<(Location Location, string Message)> Problems { get; }

    /// <summary>Reads <paramref name="type"/>; null when it has no <c>[Supervisor]</c> attribute.</summary>
    public static SupervisorShape? Read(INamedTypeSymbol type, Compilation compilation, CancellationToken cancellationToken)
    {
        var attribute = type.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == SupervisorAttribute);
        if (attribute is null) return null;
        var problems = new List<(Location, string)>();
        var location = type.Locations.FirstOrDefault() ?? Location.None;
        var name = type.Name;
        var reference = attribute.ConstructorArguments.Length > 0 ? attribute.ConstructorArguments[0].Value as string : null;
        if (!ReferenceSyntax.IsValid(reference))
            problems.Add((EntryShape.ArgumentLocation(attribute, location), $"Supervisor reference '{reference}' of '{name}' is malformed: {ReferenceSyntax.Expected}"));
        if (type.ContainingType is not null || type.IsGenericType || type.IsStatic)
            problems.Add((location, $"Supervisor class '{name}' must be a non-generic, non-static class declared directly in a namespace"));
        else if (!EntryShape.IsPartial(type, cancellationToken))
            problems.Add((location, $"Supervisor class '{name}' must be partial (the generator adds its members)"));

        string strategy = "one_for_one", period = "5s";
        int intensity = 1;
        foreach (var named in attribute.NamedArguments)
        {
            switch (named.Key)
            {
                case "Strategy": strategy = named.Value.Value as string ?? ""; break;
                case "Intensity": intensity = named.Value.Value is int i ? i : -1; break;
                case "Period": period = named.Value.Value as string ?? ""; break;
            }
        }
        var attributeLocation = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation() ?? location;
        int strategyIndex = SupervisionSyntax.Strategy(strategy);
        if (strategyIndex < 0)
            problems.Add((attributeLocation, $"Supervisor '{name}': Strategy must be one_for_one, one_for_all or rest_for_one (got '{strategy}')"));
        if (intensity < 0)
            problems.Add((attributeLocation, $"Supervisor '{name}': Intensity must not be negative (got {intensity})"));
        long ticks = 0;
        if (string.IsNullOrWhiteSpace(period) || period.Trim()[0] is '-' or '+' || !DurationSyntax.TryParseTicks(period, out ticks, out _) || ticks <= 0)
            problems.Add((attributeLocation, $"Supervisor '{name}': Period must be a positive duration such as 5s, 1m (got '{period}')"));

        // static IEnumerable<ChildSpec> Children() (any return type that is an IEnumerable<ChildSpec>).
        var childSpec = compilation.GetTypeByMetadataName(ChildSpecType);
        var enumerable = compilation.GetSpecialType(SpecialType.System_Collections_Generic_IEnumerable_T);
        var wanted = childSpec is null ? null : enumerable.Construct(childSpec);
        var children = type.GetMembers("Children").OfType<IMethodSymbol>().FirstOrDefault(m => m.IsStatic && m.Parameters.Length == 0);
        if (children is null || wanted is null || !compilation.HasImplicitConversion(children.ReturnType, wanted))
            problems.Add((location, $"Supervisor class '{name}' must declare 'static IEnumerable<ChildSpec> Children()' (its children, in start order)"));

        var model = problems.Count == 0
            ? new SupervisorModel(reference!, type.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() : null, type.Name, strategyIndex, intensity, ticks)
            : null;
        return new SupervisorShape(model, problems);
    }
}
