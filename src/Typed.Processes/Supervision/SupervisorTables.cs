using Typed.Processes.SourceModel;

namespace Typed.Processes;

/// <summary>
/// Supervisor calls written as tables (Lua's <c>supervisor</c> module): <c>{ op = "start_child", child = { ... } }</c>,
/// <c>{ op = "terminate_child" | "restart_child" | "delete_child", id = "..." }</c>, <c>{ op = "which_children" }</c>;
/// answered with a table: <c>{ pid = "..." }</c>, <c>{ children = { ... } }</c>, <c>{}</c>, or <c>{ error = "..." }</c>.
/// A child table has the fields of a manifest supervisor's child (<c>process</c>, <c>host</c>, <c>input</c>,
/// <c>restart</c>, <c>shutdown</c>, <c>id</c>, <c>name</c>, <c>readiness</c>, <c>start_timeout</c>), read by the same
/// rules (<see cref="SupervisionSyntax"/>).
/// </summary>
internal static class SupervisorTables
{
    /// <summary>The request a table stands for, or why it stands for none.</summary>
    public static Result<SupervisorRequest> Parse(PayloadTable table, string defaultHost)
    {
        var op = Text(table["op"]);
        switch (op)
        {
            case "which_children":
                return Result<SupervisorRequest>.Success(new SupervisorRequest(SupervisorRequest.Operation.WhichChildren, null, null));
            case "terminate_child" or "restart_child" or "delete_child":
                if (Text(table["id"]) is not { Length: > 0 } id) return Result<SupervisorRequest>.Failure($"{op}: the child id must be a non-empty string");
                var kind = op switch
                {
                    "terminate_child" => SupervisorRequest.Operation.TerminateChild,
                    "restart_child" => SupervisorRequest.Operation.RestartChild,
                    _ => SupervisorRequest.Operation.DeleteChild,
                };
                return Result<SupervisorRequest>.Success(new SupervisorRequest(kind, id, null));
            case "start_child":
                if (table["child"] is not PayloadTable child) return Result<SupervisorRequest>.Failure("start_child: the child specification must be a table");
                var spec = Child(child, defaultHost);
                return spec.TryGetValue(out var s)
                    ? Result<SupervisorRequest>.Success(new SupervisorRequest(SupervisorRequest.Operation.StartChild, s.Id, s))
                    : Result<SupervisorRequest>.Failure("start_child: " + spec.Error);
            default:
                return Result<SupervisorRequest>.Failure($"unknown supervisor operation '{op}'");
        }
    }

    private static Result<ChildSpec> Child(PayloadTable t, string defaultHost)
    {
        foreach (var key in t.Fields.Keys)
            if (key is not ("id" or "process" or "host" or "input" or "restart" or "shutdown" or "name" or "readiness" or "start_timeout"))
                return Result<ChildSpec>.Failure($"unknown child field '{key}' (known: process, host, input, restart, shutdown, id, name, readiness, start_timeout)");
        if (Text(t["process"]) is not { Length: > 0 } process) return Result<ChildSpec>.Failure("a child needs 'process' (the entry it runs, 'namespace:name')");
        var host = t["host"] is null ? defaultHost : Text(t["host"]);
        if (host is null) return Result<ChildSpec>.Failure("'host' must be a 'namespace:name' string");
        var id = t["id"] is null ? process : Text(t["id"]);
        if (id is null) return Result<ChildSpec>.Failure("'id' must be a string");
        object?[] args = [];
        if (t["input"] is { } input)
            args = input is PayloadTable { Fields.Count: 0 } list ? [.. list.Items] : [input];
        var restart = RestartType.Permanent;
        if (t["restart"] is { } r)
        {
            int i = SupervisionSyntax.Restart(Text(r));
            if (i < 0) return Result<ChildSpec>.Failure($"child '{id}': 'restart' must be permanent, transient or temporary");
            restart = (RestartType)i;
        }
        ChildShutdown? shutdown = null;
        if (t["shutdown"] is { } sd)
        {
            if (sd is long or double && Convert.ToDouble(sd, System.Globalization.CultureInfo.InvariantCulture) is var ms && ms >= 0 && ms <= int.MaxValue)
                shutdown = ChildShutdown.After(TimeSpan.FromMilliseconds(ms));
            else if (SupervisionSyntax.TryParseShutdown(Text(sd), out var ticks))
                shutdown = ticks == long.MaxValue ? ChildShutdown.Infinity : ChildShutdown.After(TimeSpan.FromTicks(ticks));
            else return Result<ChildSpec>.Failure($"child '{id}': 'shutdown' must be {SupervisionSyntax.ShutdownExpected}, or milliseconds");
        }
        string? name = null;
        if (t["name"] is { } n && (name = Text(n)) is null) return Result<ChildSpec>.Failure($"child '{id}': 'name' must be a string");
        bool signals = false;
        if (t["readiness"] is { } rd)
        {
            if (Text(rd) is not ("signal" or "running")) return Result<ChildSpec>.Failure($"child '{id}': 'readiness' must be 'running' or 'signal'");
            signals = Text(rd) == "signal";
        }
        TimeSpan? startTimeout = null;
        if (t["start_timeout"] is { } st)
        {
            if (!Duration.TryParse(Text(st) ?? "", out var d, out _) || d <= TimeSpan.Zero)
                return Result<ChildSpec>.Failure($"child '{id}': 'start_timeout' must be a positive duration such as 5s");
            startTimeout = d;
        }
        var spec = new ChildSpec(id, process, host, args)
        {
            Restart = restart, Shutdown = shutdown, Name = name, SignalsReady = signals, StartTimeout = startTimeout,
        };
        return spec.Check() is { } invalid ? Result<ChildSpec>.Failure(invalid) : Result<ChildSpec>.Success(spec);
    }

    /// <summary>A supervisor's answer as a table.</summary>
    public static PayloadTable Reply(SupervisorReply reply)
    {
        var fields = new List<KeyValuePair<string, object?>>();
        if (reply.Error is { } error) fields.Add(new("error", error));
        if (reply.Pid is { } pid) fields.Add(new("pid", pid.ToString()));
        if (reply.Children is { } children)
            fields.Add(new("children", PayloadTable.FromItems(children.Select(c => (object?)PayloadTable.FromFields(
            [
                new("id", c.Id),
                new("pid", c.Pid?.ToString()),
                new("supervisor", c.IsSupervisor),
                new("restart", SupervisionSyntax.RestartTypes[(int)c.Restart]),
                new("restart_pending", c.RestartPending),
            ])).ToArray())));
        return PayloadTable.FromFields(fields);
    }

    private static string? Text(object? value) => value switch
    {
        string s => s,
        ByteString b => b.ToString(),
        _ => null,
    };
}
