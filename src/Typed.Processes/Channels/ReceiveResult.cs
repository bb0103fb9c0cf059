namespace Typed.Processes;

/// <summary>The value of a receive, with <see cref="Ok"/> false once the channel is closed and drained.</summary>
/// <typeparam name="T">The channel's element type.</typeparam>
/// <param name="Value">The value received (default when not ok).</param>
/// <param name="Ok">False if the channel was closed.</param>
public readonly record struct ReceiveResult<T>(T Value, bool Ok);
