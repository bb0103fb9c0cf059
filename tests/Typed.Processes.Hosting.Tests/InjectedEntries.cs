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
