namespace Typed.Processes;

/// <summary>A C# entry: a <see cref="ProcessMain"/> delegate.</summary>
public sealed class CSharpEntry : EntryDefinition
{
    /// <summary>Creates the entry.</summary>
    public CSharpEntry(string reference, ProcessMain main) : base(reference) =>
        Main = main ?? throw new ArgumentNullException(nameof(main));

    /// <summary>The process body.</summary>
    public ProcessMain Main { get; }

    /// <inheritdoc />
    public override string Kind => "process.csharp";

    internal override Result<ProcessCore> CreateProcess(ProcessRuntime runtime, ProcessHost host, Pid pid, object?[] args) =>
        Result<ProcessCore>.Success(new CSharpProcess(runtime, host, pid, args, Main));
}
