using Xunit;

namespace Typed.Processes.Lua.Tests;

/// <summary>Lua integers are longs in C#: a C# receiver typed int (a generated handler's contract, a typed listener,
/// a reply awaited as int) takes them when the value fits, and refuses them to the Lua sender when it does not.</summary>
public sealed class LuaNumberTests : LuaTest
{
    [Fact]
    public async Task A_Lua_integer_reaches_an_int_handler_and_one_too_big_is_an_error_to_the_Lua_sender()
    {
        var got = new TaskCompletionSource<object?>();
        Runtime.Entries.Add(new CSharpEntry("test:ints", async ctx =>
        {
            var messages = ctx.ListenMessages<int>("n", null).Value;
            var m = await messages.ReceiveAsync();
            got.SetResult(m.Payload);
            var call = await messages.ReceiveAsync();
            call.Reply((int)call.Payload! * 2).ThrowIfFailed();
            return null;
        })
        {
            Topics = new TopicContract([new("n", typeof(int))], acceptsOtherTopics: false),
        });
        var receiver = Runtime.Spawn("test:ints", Host).Value;
        var exit = await Run(Lua("""
            return { main = function(to)
              local ok, err = process.send(to, "n", 1 << 40)
              if ok then return nil, "a too big integer was accepted" end
              assert(process.send(to, "n", 42))
              local doubled, cerr = process.call(to, "n", 21.0)
              if cerr then return nil, cerr end
              return tostring(err) .. " | " .. math.type(doubled) .. " " .. doubled
            end }
            """), receiver);
        Assert.Null(exit.Error);
        Assert.Equal(42, Assert.IsType<int>(await got.Task.WaitAsync(Guard)));
        var text = (string)exit.Result!;
        Assert.Contains("takes Int32, not Int64", text);
        Assert.EndsWith("| integer 42", text);
    }
}
