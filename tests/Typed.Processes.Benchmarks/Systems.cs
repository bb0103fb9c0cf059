global using AkkaProps = Akka.Actor.Props;
global using ProtoProps = Proto.Props;
using Akka.Configuration;

namespace Typed.Processes.Benchmarks;

/// <summary>Creates each system under test with the settings used by every scenario.</summary>
public static class Systems
{
    /// <summary>Our host: two workers (the benchmark machine has two cores).</summary>
    public const string Host = "bench:processes";
    public const int Workers = 2;

    public static ProcessRuntime NewRuntime()
    {
        var rt = new ProcessRuntime();
        rt.Hosts.Add(Host, Workers);
        return rt;
    }

    /// <summary>Akka.NET with its default dispatcher; only logging is quietened.</summary>
    public static Akka.Actor.ActorSystem NewAkka() => Akka.Actor.ActorSystem.Create("bench", ConfigurationFactory.ParseString("""
        akka.loglevel = WARNING
        akka.stdout-loglevel = WARNING
        akka.log-dead-letters = off
        akka.log-dead-letters-during-shutdown = off
        """));

    /// <summary>Proto.Actor with its default dispatcher.</summary>
    public static Proto.ActorSystem NewProto() => new();
}
