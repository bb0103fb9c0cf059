using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Typed.Processes.Tests;

/// <summary>
/// No silent failures: a message the receiver refuses is an error to its sender, a warning in the log (sender,
/// receiver, topic, reason) and a count; without a logger factory, warnings and crashes go to standard error.
/// </summary>
public sealed class DeadLetterTests : IAsyncLifetime
{
    private const string Host = "app:processes";
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60); // a failure guard, never synchronisation
    private readonly CapturingLogs _logs = new();
    private readonly ProcessRuntime _runtime;

    public DeadLetterTests()
    {
        _runtime = new ProcessRuntime(new ProcessRuntimeOptions { LoggerFactory = _logs });
        _runtime.Hosts.Add(Host, workers: 2);
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await _runtime.DisposeAsync();

    [Fact]
    public async Task A_payload_the_entrys_contract_refuses_is_an_error_to_the_sender_and_a_logged_dead_letter()
    {
        var stop = new TaskCompletionSource();
        _runtime.Entries.Add(new CSharpEntry("test:typed", async _ => { await stop.Task; return null; })
        {
            Topics = new TopicContract([new("price", typeof(int))], acceptsOtherTopics: false),
        });
        var receiver = _runtime.Spawn("test:typed", Host).Value;
        var senderDone = _runtime.RunAsync(_runtime.Entries.Add("test:sender", ctx =>
        {
            var sent = ctx.Send(receiver, "price", "ten");
            return ValueTask.FromResult<object?>($"{ctx.Self}\n{sent.Error}");
        }).Reference, Host, CancellationToken.None);
        var exit = await senderDone.WaitAsync(Guard);
        var parts = ((string)exit.Result!).Split('\n');
        Assert.Contains("takes Int32, not String", parts[1]);

        var warning = Assert.Single(_logs.Entries, e => e.Level == LogLevel.Warning);
        Assert.Contains("dead letter", warning.Text);
        Assert.Contains(receiver.ToString(), warning.Text);  // receiver
        Assert.Contains(parts[0], warning.Text);              // sender
        Assert.Contains("'price'", warning.Text);             // topic
        Assert.Contains("takes Int32, not String", warning.Text); // reason

        var undeclared = _runtime.Send(receiver, "nope", 1);
        Assert.Contains("has no topic 'nope'", undeclared.Error);
        Assert.Equal(2, _runtime.DeadLetterCount);
        Assert.Contains(_logs.Entries, e => e.Level == LogLevel.Warning && e.Text.Contains("'nope'") && e.Text.Contains("has no topic"));
        stop.SetResult();
    }

    [Fact]
    public async Task A_payload_a_typed_listener_refuses_is_an_error_to_the_sender_and_a_logged_dead_letter()
    {
        var stop = new TaskCompletionSource();
        var receiver = await SpawnListening(_runtime, stop.Task);
        Assert.Equal(0, _runtime.DeadLetterCount);

        var sent = _runtime.Send(receiver, "name", 42);
        Assert.False(sent.Ok);
        Assert.Equal(1, _runtime.DeadLetterCount);
        var warning = Assert.Single(_logs.Entries, e => e.Level == LogLevel.Warning);
        Assert.Contains($"dead letter for {receiver}: topic 'name'", warning.Text);
        Assert.Contains(sent.Error!, warning.Text);

        // An accepted message is no dead letter.
        Assert.True(_runtime.Send(receiver, "name", "ok").Ok);
        Assert.Equal(1, _runtime.DeadLetterCount);
        stop.SetResult();
    }

    [Fact]
    public async Task Without_a_logger_factory_warnings_and_crashes_go_to_standard_error_and_lower_levels_do_not()
    {
        var stderr = new LineWriter();
        await using var runtime = new ProcessRuntime(new ProcessRuntimeOptions { DefaultLogWriter = stderr });
        runtime.Hosts.Add(Host, workers: 1);
        var exit = await runtime.RunAsync(runtime.Entries.Add("test:crash", ctx =>
        {
            ctx.Log("an informational line");                     // Information: not written
            Assert.False(ctx.Send(ctx.Self, "", 1).Ok);             // a bad send is the caller's error, no dead letter
            throw new InvalidOperationException("boom");
        }).Reference, Host, CancellationToken.None).WaitAsync(Guard);
        Assert.Contains("boom", exit.Error);

        var line = await stderr.FirstLine.WaitAsync(Guard);
        Assert.StartsWith("warn: Typed.Processes.Runtime: ", line);
        Assert.Contains("crashed", line);
        Assert.Contains("InvalidOperationException: boom", stderr.ToString()); // the exception follows the line
        Assert.DoesNotContain("an informational line", stderr.ToString());
    }

    [Fact]
    public async Task A_configured_logger_factory_replaces_the_standard_error_default()
    {
        var stderr = new LineWriter();
        await using var runtime = new ProcessRuntime(new ProcessRuntimeOptions
        {
            DefaultLogWriter = stderr,
            LoggerFactory = NullLoggerFactory.Instance, // the opt-out
        });
        runtime.Hosts.Add(Host, workers: 1);
        var stop = new TaskCompletionSource();
        var receiver = await SpawnListening(runtime, stop.Task);
        Assert.False(runtime.Send(receiver, "name", 42).Ok); // a dead letter (a warning), logged synchronously
        Assert.Equal(1, runtime.DeadLetterCount);
        stop.SetResult();
        await runtime.WaitForExitAsync(receiver).WaitAsync(Guard);
        Assert.Equal("", stderr.ToString());
    }

    /// <summary>Spawns a process that listens to "name" with a string listener until <paramref name="stop"/>; returns once it listens.</summary>
    private static async Task<Pid> SpawnListening(ProcessRuntime runtime, Task stop)
    {
        var listening = new TaskCompletionSource();
        var receiver = runtime.Spawn(runtime.Entries.Add("test:listener", async ctx =>
        {
            ctx.Listen<string>("name");
            listening.SetResult();
            await stop;
            return null;
        }).Reference, Host).Value;
        await listening.Task.WaitAsync(Guard);
        return receiver;
    }

    private sealed class LineWriter : StringWriter
    {
        private readonly TaskCompletionSource<string> _first = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<string> FirstLine => _first.Task;

        public override void WriteLine(string? value)
        {
            base.WriteLine(value);
            _first.TrySetResult(value ?? "");
        }

        public override Encoding Encoding => Encoding.UTF8;
    }

    private sealed class CapturingLogs : ILoggerFactory, ILogger
    {
        public ConcurrentQueue<(LogLevel Level, string Text)> Entries { get; } = new();
        public ILogger CreateLogger(string categoryName) => this;
        public void AddProvider(ILoggerProvider provider) { }
        public void Dispose() { }
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Enqueue((logLevel, formatter(state, exception)));
    }
}
