namespace Typed.Processes;

/// <summary>Lets a process binding refuse payloads it cannot represent (e.g. a C# object sent to a Lua process).</summary>
internal interface IPayloadGate
{
    /// <summary>Null if the payload is acceptable, else the error for the sender.</summary>
    string? CheckPayload(object? payload);
}
