using System.Collections.Concurrent;

namespace Typed.Processes;

/// <summary>
/// Names for processes. A name maps to one live process; a process may hold several names; names are released
/// when their process ends. Names are non-empty strings that do not start with '{' (that is a PID's form).
/// </summary>
public sealed class ProcessRegistry
{
    private readonly ProcessRuntime _runtime;
    private readonly ConcurrentDictionary<string, ProcessCore> _names = new(StringComparer.Ordinal);
    private readonly object _lock = new();

    internal ProcessRegistry(ProcessRuntime runtime) => _runtime = runtime;

    internal static string? CheckName(string? name) =>
        string.IsNullOrEmpty(name) ? "name must be a non-empty string"
        : name[0] == '{' ? $"name '{name}' cannot start with '{{' (that is the form of a PID)"
        : null;

    /// <summary>Registers <paramref name="name"/> for the process <paramref name="pid"/>.</summary>
    public Result Register(string name, Pid pid)
    {
        if (CheckName(name) is { } error) return Result.Failure(error);
        if (pid is null) return Result.Failure("pid is null");
        var process = _runtime.Find(pid);
        if (process is null) return Result.Failure(ProcessRuntime.ProcessNotFound(pid));
        return Register(name, process);
    }

    internal Result Register(string name, ProcessCore process)
    {
        if (CheckName(name) is { } error) return Result.Failure(error);
        lock (_lock)
        {
            if (_names.TryGetValue(name, out var holder))
            {
                if (ReferenceEquals(holder, process)) return Result.Success;
                if (holder.IsAlive) return Result.Failure($"name already registered: '{name}' is held by {holder.Pid}");
            }
            if (!process.AddName(name)) return Result.Failure(ProcessRuntime.ProcessNotFound(process.Pid));
            _names[name] = process;
            return Result.Success;
        }
    }

    /// <summary>The PID registered under <paramref name="name"/>, or an error.</summary>
    public Result<Pid> Lookup(string name)
    {
        if (CheckName(name) is { } error) return Result<Pid>.Failure(error);
        return _names.TryGetValue(name, out var p) && p.IsAlive
            ? Result<Pid>.Success(p.Pid)
            : Result<Pid>.Failure($"name not registered: '{name}'");
    }

    internal ProcessCore? Resolve(string name) => _names.TryGetValue(name, out var p) && p.IsAlive ? p : null;

    /// <summary>The holder of <paramref name="name"/> even if it is ending (its names are released after its exit
    /// has told its monitors); for Unmonitor, which must synchronise with that exit.</summary>
    internal ProcessCore? ResolveEvenIfEnding(string name) => _names.TryGetValue(name, out var p) ? p : null;

    /// <summary>Removes a name; true if it was registered (to a live process).</summary>
    public bool Unregister(string name)
    {
        if (CheckName(name) is not null) return false;
        lock (_lock)
        {
            if (!_names.TryRemove(name, out var p)) return false;
            p.RemoveName(name);
            return p.IsAlive;
        }
    }

    /// <summary>Every registered name and its PID.</summary>
    public IReadOnlyDictionary<string, Pid> Snapshot() =>
        _names.Where(kv => kv.Value.IsAlive).ToDictionary(kv => kv.Key, kv => kv.Value.Pid);

    internal void Release(ProcessCore process, List<string> names)
    {
        lock (_lock)
        {
            foreach (var n in names)
                if (_names.TryGetValue(n, out var holder) && ReferenceEquals(holder, process)) _names.TryRemove(n, out _);
        }
    }
}
