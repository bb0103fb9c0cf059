namespace Typed.Processes;

/// <summary>
/// A supervisor as an entry (kind <c>process.supervisor</c>): every process spawned from it is a supervisor with
/// <see cref="Spec"/>, which starts its children in order and counts as started (for a supervisor or a service that
/// starts it) once they all have. It may be spawned like any entry (linked: the spawner's failure stops it, its giving
/// up reaches the spawner), named as a <see cref="ChildSpec"/>'s entry (a nested supervisor: its failure after too many
/// restarts is a failure of that child, so trees escalate), or as a service's <c>process</c>. Manifests declare them
/// as <c>process.supervisor</c> entries; C# <c>[Supervisor]</c> classes register one each.
/// </summary>
public sealed class SupervisorEntry : EntryDefinition
{
    /// <summary>Creates the entry; an invalid <paramref name="spec"/> makes every spawn of it fail with the reason.</summary>
    public SupervisorEntry([EntryReference] string reference, SupervisorSpec spec) : base(reference) =>
        Spec = spec ?? throw new ArgumentNullException(nameof(spec));

    /// <summary>The supervisor's specification.</summary>
    public SupervisorSpec Spec { get; }

    /// <inheritdoc />
    public override string Kind => "process.supervisor";

    internal override bool SignalsReady => true;

    internal override Result<ProcessCore> CreateProcess(ProcessRuntime runtime, ProcessHost host, Pid pid, object?[] args)
    {
        if (Spec.Check() is { } invalid) return Result<ProcessCore>.Failure($"supervisor '{Reference}': {invalid}");
        if (args.Length > 0) return Result<ProcessCore>.Failure($"supervisor '{Reference}' takes no arguments (got {args.Length})");
        return Result<ProcessCore>.Success(new CSharpProcess(runtime, host, pid, args, SupervisorProcess.EntryMain(Spec)));
    }
}
