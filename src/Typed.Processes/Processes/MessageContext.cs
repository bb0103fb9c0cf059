using System.ComponentModel;

namespace Typed.Processes;

/// <summary>
/// What a generated entry's topic handler knows about the message it handles: the sender and topic, the process's
/// <see cref="ProcessContext"/>, and how to reply or stop. One instance serves every message of a process.
/// </summary>
public sealed class MessageContext
{
    private Message? _message;

    /// <summary>Creates the context of a generated entry (called by generated code).</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public MessageContext(ProcessContext process) => Process = process ?? throw new ArgumentNullException(nameof(process));

    /// <summary>The process handling the message.</summary>
    public ProcessContext Process { get; }

    /// <summary>The message being handled.</summary>
    public Message Message => _message ?? throw new InvalidOperationException("no message is being handled");

    /// <summary>The sender; null when the message came from outside any process.</summary>
    public Pid? From => Message.From;

    /// <summary>The topic the message was sent to.</summary>
    public string Topic => Message.Topic;

    /// <summary>The event being handled (an <c>[OnExit]</c>, <c>[OnLinkDown]</c> or <c>[OnCancel]</c> handler), else null.</summary>
    public ProcessEvent? Event => Message.Event;

    /// <summary>True once a handler called <see cref="Stop"/>.</summary>
    public bool IsStopped { get; private set; }

    /// <summary>The result given to <see cref="Stop"/>.</summary>
    public object? Result { get; private set; }

    /// <summary>Sends <paramref name="payload"/> to the sender on <paramref name="topic"/>; an error when there is no sender.</summary>
    public Result Reply(string topic, object? payload) =>
        From is { } from ? Process.Send(from, topic, payload) : Typed.Processes.Result.Failure("the message has no sender to reply to");

    /// <summary>Answers the call being handled with <paramref name="value"/> (see <see cref="Message.Reply"/>); an error
    /// when the message is not a call, was already answered, or its caller no longer waits.</summary>
    public Result Reply(object? value) => Message.Reply(value);

    /// <summary>The reply handle of the call being handled (null for a plain send): keep it to answer later, from
    /// another message.</summary>
    public ReplyHandle? ReplyTo => Message.ReplyTo;

    /// <summary>Ends the process normally after this handler returns; <paramref name="result"/> becomes the Exit event's result.</summary>
    public void Stop(object? result = null)
    {
        IsStopped = true;
        Result = result;
    }

    /// <summary>
    /// Answers the call being handled with a call handler's returned value (called by generated code). A plain send
    /// has no caller: the value is dropped. A call already answered (the handler replied itself) or whose caller no
    /// longer waits drops it too. A value the caller cannot take (a record, for a Lua caller) ends that call with the
    /// error. A value that cannot be sent at all (not immutable, say) is the handler's bug: it ends the process, so the
    /// caller gets that error at once instead of waiting for its timeout.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void ReplyReturned(object? value)
    {
        if (Message.ReplyTo is not { } handle) return;
        if (handle.AnswerReturned(value) is { } error && handle.IsOpen)
            throw new ProcessException($"the reply of '{Topic}' cannot be sent: {error}");
    }

    /// <summary>
    /// Called by generated code before a handler that can never answer (it returns nothing, declares no <c>Reply</c>
    /// and takes neither the message nor this context): when the message is a call, the call fails at once, so its
    /// caller does not wait for the timeout.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void AnswersNoCall()
    {
        if (Message.ReplyTo is { IsOpen: true } handle)
            handle.Refuse($"topic '{Topic}' of {Process.Self} answers no calls: its handler returns nothing (a call handler returns its reply, or declares [Topic(..., Reply = typeof(T))] and takes the MessageContext)");
    }

    /// <summary>Sets the message being handled (called by generated code).</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void Begin(Message message) => _message = message ?? throw new ArgumentNullException(nameof(message));
}
