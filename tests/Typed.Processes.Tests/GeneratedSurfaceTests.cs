using System.ComponentModel;
using System.Reflection;

namespace Typed.Processes.Tests;

/// <summary>What only generated code calls stays out of the user's IntelliSense.</summary>
public class GeneratedSurfaceTests
{
    [Fact]
    public void Members_that_only_generated_code_calls_are_hidden_from_intellisense()
    {
        MemberInfo[] generatedOnly =
        [
            typeof(MessageContext).GetConstructor([typeof(ProcessContext)])!,
            typeof(MessageContext).GetMethod(nameof(MessageContext.Begin))!,
            typeof(Payloads).GetMethod(nameof(Payloads.DeclareImmutable))!,
            typeof(GeneratedStubs),
            typeof(MessageContext).GetMethod(nameof(MessageContext.ReplyReturned))!,
            typeof(MessageContext).GetMethod(nameof(MessageContext.AnswersNoCall))!,
            typeof(ProcessContext).GetMethods().Single(m => m.Name == nameof(ProcessContext.ListenMessages) && m.IsGenericMethod && m.GetParameters().Length == 2),
            typeof(ProcessContext).GetMethod(nameof(ProcessContext.RouteInbox))!,
            typeof(ProcessContext).GetMethod(nameof(ProcessContext.RouteEvents))!,
            typeof(TopicContract).GetProperty(nameof(TopicContract.Dispatches))!,
            typeof(TopicContract).GetProperty(nameof(TopicContract.DispatchedEvents))!,
        ];
        Assert.All(generatedOnly, m =>
            Assert.Equal(EditorBrowsableState.Never, m.GetCustomAttribute<EditorBrowsableAttribute>()?.State));
    }
}
