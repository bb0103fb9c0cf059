using Typed.Processes;

namespace Typed.Processes.EndToEnd;

/// <summary>A typed main without handlers: its generated RunAsync returns main's result typed (Result&lt;long&gt;).</summary>
[ProcessEntry("app.shop:orders")]
public partial class Orders
{
    [ProcessMain]
    public long Main(long id) => id * 10;
}
