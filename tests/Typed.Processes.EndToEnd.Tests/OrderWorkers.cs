using Typed.Processes;

namespace Typed.Processes.EndToEnd;

/// <summary>A typed main without handlers: its generated RunAsync returns main's result typed (Result&lt;long&gt;).</summary>
[ProcessEntry("app.shop:orders")]
public partial class Orders
{
    [ProcessMain]
    public long Main(long id) => id * 10;
}

/// <summary>A main whose only argument is an array of a reference type (review of issue 11: the typed spawn stubs must
/// pass it as one argument, not spread it as the params array).</summary>
[ProcessEntry("app.shop:joiner")]
public partial class Joiner
{
    [ProcessMain]
    public string Main(string[] words) => string.Join("+", words);
}
