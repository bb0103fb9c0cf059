namespace Typed.Processes;

/// <summary>What a supervisor restarts when one of its children must be restarted (Erlang/OTP's strategies).</summary>
public enum RestartStrategy
{
    /// <summary>Only that child (<c>one_for_one</c>).</summary>
    OneForOne,

    /// <summary>Every child: the others are stopped in reverse start order, then all are started again in order
    /// (<c>one_for_all</c>).</summary>
    OneForAll,

    /// <summary>That child and the children started after it: those are stopped in reverse order, then started again
    /// in order (<c>rest_for_one</c>).</summary>
    RestForOne,
}
