namespace Typed.Processes;

/// <summary>
/// Return this from a process's main to end it with an error without throwing
/// (the equivalent of Lua's <c>return nil, err</c>).
/// </summary>
/// <param name="Error">The error carried by the Exit event.</param>
public sealed record ProcessFailure(string Error);
