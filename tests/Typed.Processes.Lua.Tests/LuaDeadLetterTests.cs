using Xunit;

namespace Typed.Processes.Lua.Tests;

/// <summary>A Lua sender that ignores the error of a refused send still leaves a trace: a dead-letter warning and a count.</summary>
public class LuaDeadLetterTests : LuaTest
{
    [Fact]
    public async Task A_refused_send_whose_error_lua_ignores_is_logged_as_a_dead_letter()
    {
        var listening = new TaskCompletionSource();
        var stop = new TaskCompletionSource();
        var receiver = Runtime.Spawn(Runtime.Entries.Add("test:named", async ctx =>
        {
            ctx.Listen<string>("name");
            listening.SetResult();
            await stop.Task;
            return null;
        }).Reference, Host).Value;
        await listening.Task.WaitAsync(Guard);

        var sender = Lua("""return { main = function(p) process.send(p, "name", 42) return process.pid() end }""");
        var exit = await Run(sender, receiver);
        Assert.Null(exit.Error);
        Assert.Equal(1, Runtime.DeadLetterCount);
        var line = Assert.Single(Log.Lines, l => l.Contains("dead letter"));
        Assert.Contains($"for {receiver}: topic 'name' from {exit.From}", line);
        Assert.Contains("takes String, not Int64", line);
        stop.SetResult();
    }
}
