namespace Typed.Processes;

/// <summary>What a channel is for; channels a process owns (topics, inbox, events, timers) cannot be closed by user code.</summary>
public enum ChannelKind
{
    /// <summary>Created by user code with <c>NewChannel</c> / <c>channel.new</c>; may be closed.</summary>
    Local,
    /// <summary>A topic listener.</summary>
    Topic,
    /// <summary>The process's inbox (messages no listener takes).</summary>
    Inbox,
    /// <summary>The process's event channel.</summary>
    Events,
    /// <summary>A timer channel from <c>After</c>.</summary>
    Timer,
}
