namespace Typed.Processes.Hosting.Tests;

/// <summary>A service the injected entries take.</summary>
public sealed class Greeter
{
    public string Greet(string name) => "hello " + name;
}

/// <summary>A service nobody registers.</summary>
public sealed class Unregistered;

/// <summary>Takes a service, its ProcessContext and an optional service that is not registered.</summary>
[ProcessEntry("tests:greeting")]
public partial class GreetingEntry(Greeter greeter, ProcessContext context, Unregistered? absent)
{
    [ProcessMain]
    public string Main(string name) => $"{greeter.Greet(name)} from {context.Self.Entry}{(absent is null ? "" : " (?)")}";
}

/// <summary>Needs a service nobody registered: the process ends with an error.</summary>
[ProcessEntry("tests:needy")]
public partial class NeedyEntry(Unregistered needed)
{
    [ProcessMain]
    public string Main() => needed.ToString()!;
}

/// <summary>A counter with typed topics: a call that answers the running total, a send, and a stop.</summary>
[ProcessEntry("tests:counter")]
public partial class CounterEntry(Greeter greeter)
{
    private long _total;

    [Topic("add")] long OnAdd(long n) => _total += n;

    [Topic("greet")] string OnGreet(string name) => greeter.Greet(name);

    [Topic("stop")] void OnStop(MessageContext ctx) => ctx.Stop(_total);
}

/// <summary>
/// What an ASP.NET controller (or any class the container builds) does with the runtime it takes by constructor:
/// typed spawn, send and call through the generated stubs, outside any process.
/// </summary>
public sealed class CountersController(ProcessRuntime runtime)
{
    public Pid<CounterEntry> Create() => CounterEntry.Spawn(runtime, new HostRef("app:h")).Value;

    public async Task<long> Add(Pid<CounterEntry> counter, long n) => (await runtime.CallAddAsync(counter, n)).Value;

    public async Task<string> Greet(Pid<CounterEntry> counter, string name) => (await runtime.CallGreetAsync(counter, name)).Value;

    public Result Stop(Pid<CounterEntry> counter) => runtime.SendStop(counter);
}
