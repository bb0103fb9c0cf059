namespace Typed.Processes;

/// <summary>The body of a C# process: runs on a host; its return value is the Exit event's result.</summary>
/// <param name="context">The process's own API.</param>
public delegate ValueTask<object?> ProcessMain(ProcessContext context);
