using System.Collections.Immutable;

namespace Typed.Processes.Tests;

/// <summary>Issue 8, item 4: immutable collections are checked element by element unless their types prove it.</summary>
public class PayloadTests
{
    private const string ListType = "System.Collections.Generic.List`1";

    [Immutable]
    public class OpenBase(int x)
    {
        public int X { get; } = x;
    }

    public sealed class MutableDerived(int x) : OpenBase(x)
    {
        public int Y { get; set; }
    }

    [Immutable]
    public sealed record Sealed(int X);

    [Fact]
    public void A_dictionary_of_objects_holding_a_List_is_refused_naming_the_key()
    {
        var payload = ImmutableDictionary<string, object>.Empty.Add("ok", 1).Add("bad", new List<int> { 1 });
        var r = Payloads.Prepare(payload);
        Assert.False(r.Ok);
        Assert.StartsWith("value of key 'bad': payload of type '" + ListType, r.Error);
    }

    [Fact]
    public void A_mutable_key_is_refused()
    {
        var r = Payloads.Prepare(ImmutableDictionary<object, int>.Empty.Add(new List<int>(), 1));
        Assert.StartsWith("key of type 'List`1': payload of type '" + ListType, r.Error);
        var sorted = Payloads.Prepare(ImmutableSortedDictionary<int, object>.Empty.Add(3, new List<int>()));
        Assert.StartsWith("value of key 3: ", sorted.Error);
    }

    [Fact]
    public void Every_kind_of_immutable_collection_has_its_elements_checked()
    {
        object bad = new List<int>();
        object?[] payloads =
        [
            ImmutableList.Create<object>(1, bad),
            ImmutableArray.Create<object>(1, bad),
            ImmutableHashSet.Create<object>(bad),
            ImmutableStack.Create<object>(bad),
            ImmutableQueue.Create<object>(bad),
            ImmutableSortedSet.Create<object>(bad),
        ];
        foreach (var p in payloads)
        {
            var r = Payloads.Prepare(p);
            Assert.False(r.Ok, p!.GetType().Name);
            Assert.Matches(@"^element \d: payload of type 'System\.Collections\.Generic\.List`1", r.Error);
        }
    }

    [Fact]
    public void Nested_collections_are_checked_as_deeply_as_everything_else_and_the_error_says_where()
    {
        var inner = ImmutableDictionary<string, object>.Empty.Add("x", new Dictionary<int, int>());
        var r = Payloads.Prepare(ImmutableList.Create<ImmutableDictionary<string, object>>(ImmutableDictionary<string, object>.Empty, inner));
        Assert.StartsWith("element 1: value of key 'x': payload of type 'System.Collections.Generic.Dictionary`2", r.Error);

        var inArray = Payloads.Prepare(new object[] { ImmutableList.Create<object>(Bad()) });
        Assert.StartsWith("element 0: element 0: payload of type '" + ListType, inArray.Error);

        object deep = 1;
        for (int i = 0; i < 70; i++) deep = ImmutableList.Create(deep);
        Assert.Equal("payload is nested too deeply (or cyclic)", Payloads.Prepare(deep).Error?.Split(": ")[^1]);

        static object Bad() => new List<int>();
    }

    [Fact]
    public void An_unsealed_immutable_element_type_does_not_prove_its_subclasses()
    {
        var r = Payloads.Prepare(ImmutableList.Create<OpenBase>(new OpenBase(1), new MutableDerived(2)));
        Assert.StartsWith($"element 1: payload of type '{typeof(MutableDerived).FullName}' cannot be sent", r.Error);
        Assert.True(Payloads.Prepare(ImmutableList.Create(new OpenBase(1))).Ok);
    }

    [Fact]
    public void Immutable_contents_are_accepted_and_arrays_inside_collections_still_refused()
    {
        var good = ImmutableDictionary<string, object>.Empty
            .Add("n", 1).Add("s", "text").Add("list", ImmutableList.Create<object>(2L, "x", PayloadTable.FromItems(1L)))
            .Add("rec", new Sealed(3));
        var r = Payloads.Prepare(good);
        Assert.True(r.Ok, r.Error);
        Assert.Same(good, r.Value);
        Assert.Contains("may not contain arrays", Payloads.Prepare(ImmutableList.Create<object>(new[] { 1 })).Error);
        Assert.True(Payloads.Prepare(default(ImmutableArray<object>)).Ok); // an uninitialised array holds nothing
    }

    [Fact]
    public void Collections_whose_element_types_prove_immutability_are_not_walked()
    {
        var ints = ImmutableList.CreateRange(Enumerable.Range(0, 10_000));
        var records = ImmutableDictionary.CreateRange(Enumerable.Range(0, 1_000).Select(i => KeyValuePair.Create(i.ToString(System.Globalization.CultureInfo.InvariantCulture), new Sealed(i))));
        Assert.True(Payloads.Prepare(ints).Ok); // warm the type caches
        Assert.True(Payloads.Prepare(records).Ok);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            Payloads.Prepare(ints);
            Payloads.Prepare(records);
        }
        // A walk would box every int and allocate enumerators: megabytes over these 100 rounds.
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 10_000);
    }

    [Fact]
    public async Task The_loophole_of_the_issue_is_closed_at_send()
    {
        await using var runtime = new ProcessRuntime();
        runtime.Hosts.Add("app:payloads", workers: 1);
        runtime.Entries.Add("test:sink", async ctx => await ctx.Listen("x").ReceiveAsync());
        var pid = runtime.Spawn("test:sink", "app:payloads").Value;
        var shared = new List<int> { 1 };
        var r = runtime.Send(pid, "x", ImmutableDictionary<string, object>.Empty.Add("list", shared));
        Assert.False(r.Ok);
        Assert.Contains("value of key 'list'", r.Error);
        Assert.True(runtime.IsAlive(pid));
    }
}
