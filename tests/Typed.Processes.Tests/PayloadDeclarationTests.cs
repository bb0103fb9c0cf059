using System.Collections.Immutable;

namespace Typed.Processes.Tests;

/// <summary>
/// Issue 11, item 4: what the generator declares at module load (<see cref="Payloads.DeclareImmutable"/>) and how the
/// runtime's rule agrees with the compile-time one (this project does not run the generator: it declares by hand).
/// </summary>
public class PayloadDeclarationTests
{
    public sealed record Box<T>(T Value);

    public sealed record Late(int X);

    public sealed record Plain(int X);

    [Fact]
    public void A_declared_generic_definition_makes_its_constructions_immutable_when_their_arguments_are()
    {
        Assert.False(Payloads.Prepare(new Box<int>(1)).Ok);
        Payloads.DeclareImmutable(typeof(Box<>));
        Assert.True(Payloads.Prepare(new Box<int>(1)).Ok);
        Assert.True(Payloads.Prepare(new Box<string>("x")).Ok);
        Assert.True(Payloads.Prepare(new Box<ImmutableArray<int>>(ImmutableArray.Create(1))).Ok);
        Assert.False(Payloads.Prepare(new Box<List<int>>(new List<int>())).Ok);
        Assert.False(Payloads.Prepare(new Box<object>(1)).Ok);
    }

    [Fact]
    public void A_type_found_mutable_before_its_declaration_is_immutable_after_it()
    {
        // Collections of it were looked at (and refused) before the declaration: the answer is not kept.
        Assert.False(Payloads.IsImmutableType(typeof(ImmutableList<Late>)));
        Assert.False(Payloads.Prepare(ImmutableList.Create(new Late(1))).Ok);
        Payloads.DeclareImmutable(typeof(Late));
        Assert.True(Payloads.IsImmutableType(typeof(ImmutableList<Late>)));
        Assert.True(Payloads.Prepare(ImmutableList.Create(new Late(1))).Ok);
    }

    [Fact]
    public void The_builders_and_enumerators_of_immutable_collections_are_not_immutable()
    {
        Assert.False(Payloads.Prepare(ImmutableArray.CreateBuilder<int>()).Ok);
        Assert.False(Payloads.Prepare(ImmutableList.CreateBuilder<string>()).Ok);
        Assert.False(Payloads.Prepare(ImmutableDictionary.CreateBuilder<string, int>()).Ok);
        Assert.True(Payloads.Prepare(ImmutableArray.Create(1)).Ok);
    }

    [Fact]
    public void An_undeclared_record_is_refused()
    {
        var r = Payloads.Prepare(new Plain(1));
        Assert.False(r.Ok);
        Assert.Contains(nameof(Plain), r.Error);
    }
}
