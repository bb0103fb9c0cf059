using System.Collections;

namespace Typed.Processes;

/// <summary>
/// The log scope of a message about one process: <c>Pid</c> (the <see cref="Typed.Processes.Pid"/>) and <c>Entry</c>
/// (its entry reference), as structured key/value pairs that logging providers with scope support (console with
/// IncludeScopes, OpenTelemetry, Serilog) attach to the message.
/// </summary>
internal sealed class ProcessLogScope(Pid pid) : IReadOnlyList<KeyValuePair<string, object?>>
{
    public int Count => 2;

    public KeyValuePair<string, object?> this[int index] => index switch
    {
        0 => new("Pid", pid),
        1 => new("Entry", pid.Entry),
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        yield return this[0];
        yield return this[1];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => $"Pid:{pid} Entry:{pid.Entry}";
}
