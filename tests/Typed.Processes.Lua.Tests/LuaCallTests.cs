using Xunit;

namespace Typed.Processes.Lua.Tests;

/// <summary>Calls between Lua and C#: process.call, msg:reply, and C#'s CallAsync on Lua processes.</summary>
public sealed class LuaCallTests : LuaTest
{
    /// <summary>A C# process answering every call with its payload + 1 (Lua numbers are longs), until a plain "stop".</summary>
    private Pid CSharpIncrementer()
    {
        var name = "test:inc" + Guid.NewGuid().ToString("N")[..8];
        Runtime.Entries.Add(name, async ctx =>
        {
            var inbox = ctx.Inbox();
            while (true)
            {
                var m = await inbox.ReceiveAsync();
                if (m.Topic == "boom") throw new InvalidOperationException("boom in C#");
                m.Reply((long)m.Payload! + 1).ThrowIfFailed();
            }
        });
        return Runtime.Spawn(name, Host).Value;
    }

    private const string LuaIncrementer = """
        return { main = function()
          local inbox = process.inbox()
          while true do
            local m = inbox:receive()
            if m:topic() == "fail" then error("lua boom") end
            if m:topic() == "text" then m:reply("not a number") else assert(m:reply(m:payload() + 1)) end
          end
        end }
        """;

    private sealed record Price(string Item, decimal Amount);

    /// <summary>
    /// Review of issue 11: a generated call handler's returned value that the caller cannot take (a record, for a Lua
    /// caller) fails that call at once; the server, which did nothing wrong, keeps serving.
    /// </summary>
    [Fact]
    public async Task A_returned_reply_a_Lua_caller_cannot_take_fails_the_call_not_the_server()
    {
        Payloads.DeclareImmutable(typeof(Price));
        var name = "test:pricer" + Guid.NewGuid().ToString("N")[..8];
        Runtime.Entries.Add(name, async ctx =>
        {
            var inbox = ctx.Inbox();
            var handling = new MessageContext(ctx);
            while (true)
            {
                var m = await inbox.ReceiveAsync();
                handling.Begin(m);
                if (m.Topic == "record") handling.ReplyReturned(new Price("x", 1m)); // as the generated dispatch does
                else handling.ReplyReturned((long)m.Payload! + 1);
            }
        });
        var server = Runtime.Spawn(name, Host).Value;
        var exit = await Run(Lua("""
            return { main = function(server)
              local v, err = process.call(server, "record", 1)
              if v ~= nil then return nil, "expected an error" end
              local w, err2 = process.call(server, "inc", 41)
              return tostring(err) .. " | " .. tostring(w) .. " " .. tostring(err2)
            end }
            """), server);
        Assert.Null(exit.Error);
        Assert.Matches("^reply: a Lua process cannot receive a payload of type .*Price.* \\| 42 nil$", (string)exit.Result!);
    }

    [Fact]
    public async Task CSharp_calls_Lua_and_Lua_calls_CSharp()
    {
        var lua = Runtime.Spawn(Lua(LuaIncrementer), Host).Value;
        Assert.Equal(42L, (await Runtime.CallAsync<long>(lua, "inc", 41L, Guard)).Value);
        var wrongType = await Runtime.CallAsync<long>(lua, "text", 0L, Guard);
        Assert.Equal("the reply to 'text' is String, not Int64", wrongType.Error);

        var exit = await Run(Lua("""
            return { main = function(server)
              local v, err = process.call(server, "inc", 41)
              if err then return nil, err end
              return v
            end }
            """), CSharpIncrementer());
        Assert.Null(exit.Error);
        Assert.Equal(42L, exit.Result);
    }

    [Fact]
    public async Task Concurrent_Lua_calls_to_a_Lua_server_answering_in_reverse_never_mix()
    {
        var server = Runtime.Spawn(Lua("""
            return { main = function()
              local inbox, held = process.inbox(), {}
              for i = 1, 50 do held[i] = inbox:receive() end
              for i = 50, 1, -1 do assert(held[i]:reply(held[i]:payload() * 2)) end
            end }
            """), Host).Value;
        var exit = await Run(Lua("""
            return { main = function(server)
              local done, results = channel.new(50), {}
              for i = 1, 50 do
                coroutine.spawn(function()
                  local v, err = process.call(server, "double", i)
                  done:send({ i = i, v = v, err = err })
                end)
              end
              for _ = 1, 50 do
                local r = done:receive()
                if r.v ~= r.i * 2 then return nil, "call " .. r.i .. " got " .. tostring(r.v) .. " " .. tostring(r.err) end
              end
              return "ok"
            end }
            """), server);
        Assert.Null(exit.Error);
        Assert.Equal("ok", exit.Result);
    }

    [Fact]
    public async Task Lua_call_errors_are_nil_and_the_reason()
    {
        var gone = Runtime.Spawn(Lua("return { main = function() end }"), Host).Value;
        await Runtime.WaitForExitAsync(gone).WaitAsync(Guard);
        var exit = await Run(Lua("""
            return { main = function(gone, cs, lua)
              local out = {}
              local function try(...) local v, err = process.call(...) out[#out + 1] = tostring(v) .. ":" .. tostring(err) end
              try(gone, "inc", 1)
              try(cs, "boom", 1)
              try(lua, "fail", 1)
              try(process.pid(), "inc", 1)
              try(lua, "inc", 1, {})
              coroutine.wrap(function() try(lua, "inc", 1) end)()
              return table.concat(out, "\n")
            end }
            """), gone, CSharpIncrementer(), Runtime.Spawn(Lua(LuaIncrementer), Host).Value);
        Assert.Null(exit.Error);
        var lines = ((string)exit.Result!).Split('\n');
        Assert.Matches("^nil:process not found: .* is not alive$", lines[0]);
        Assert.Matches("^nil:.* failed before replying: .*boom in C#", lines[1]);
        Assert.Matches("^nil:.* failed before replying: .*lua boom", lines[2]);
        Assert.StartsWith("nil:a process cannot call itself", lines[3]);
        Assert.StartsWith("nil:invalid duration", lines[4]);
        Assert.StartsWith("nil:call: cannot wait in a coroutine the script created", lines[5]);
    }

    [Fact]
    public async Task A_Lua_call_that_times_out_drops_the_late_reply_and_leaks_nothing()
    {
        var server = Runtime.Spawn(Lua("""
            return { main = function()
              local inbox = process.inbox()
              local call = inbox:receive()
              local go = inbox:receive()
              local ok, err = call:reply(1)
              process.send(go:from(), "late", tostring(ok) .. ":" .. tostring(err))
              inbox:receive()
            end }
            """), Host).Value;
        var report = System.Threading.Channels.Channel.CreateUnbounded<object?>();
        var probe = "test:probe" + Guid.NewGuid().ToString("N")[..8];
        Runtime.Entries.Add(probe, async ctx =>
        {
            await report.Writer.WriteAsync((await ctx.Inbox().ReceiveAsync()).Payload);
            return null;
        });
        var caller = Runtime.Spawn(Lua("""
            return { main = function(server, probe)
              local v, err = process.call(server, "slow", 0, "50ms")
              local late = process.listen("late")
              process.send(server, "go", true)
              local answer = late:receive()
              local r = channel.select({ process.inbox():case_receive(), default = true })
              process.send(probe, "report", tostring(v) .. " | " .. err .. " | " .. answer .. " | stray: " .. tostring(not r.default))
              process.inbox():receive()
            end }
            """), Host, server, Runtime.Spawn(probe, Host).Value).Value;
        var line = (string)(await report.Reader.ReadAsync().AsTask().WaitAsync(Guard))!;
        Assert.Matches(@"^nil \| call timed out: .* within 50ms \| nil:the caller no longer waits for this reply \(call timed out.*\) \| stray: false$", line);
        Assert.Equal(0, ((LuaProcess)Runtime.Find(caller)!).CallsTracked);
        Assert.Equal(0, Runtime.Find(caller)!.PendingCallCount);
    }

    [Fact]
    public async Task A_Lua_handler_keeps_a_call_answers_it_from_another_message_and_cannot_answer_twice()
    {
        var server = Runtime.Spawn(Lua("""
            return { main = function()
              local inbox = process.inbox()
              local call = inbox:receive()
              local set = inbox:receive()
              local _, not_a_call = set:reply(0)
              assert(call:reply(set:payload()))
              local _, twice = call:reply(99)
              return not_a_call .. " | " .. twice
            end }
            """), Host).Value;
        var exit = Runtime.WaitForExitAsync(server);
        var call = Runtime.CallAsync<long>(server, "get", null, Guard).AsTask();
        Runtime.Send(server, "set", 7L).ThrowIfFailed();
        Assert.Equal(7L, (await call.WaitAsync(Guard)).Value);
        Assert.Equal("reply: the message on 'set' is not a call | reply: the call was already answered", (await exit.WaitAsync(Guard)).Result);
    }

    [Fact]
    public async Task A_payload_only_listener_refuses_calls_and_a_message_listener_takes_them()
    {
        var server = Runtime.Spawn(Lua("""
            return { main = function()
              process.listen("payloads")
              local calls = process.listen("calls", { message = true })
              local m = calls:receive()
              assert(m:reply("from a listener"))
              process.inbox():receive()
            end }
            """), Host).Value;
        var viaListener = await Runtime.CallAsync<string>(server, "calls", null, Guard).AsTask().WaitAsync(Guard);
        Assert.Equal("from a listener", viaListener.Value);
        var refused = await Runtime.CallAsync<string>(server, "payloads", null, Guard).AsTask().WaitAsync(Guard);
        Assert.Contains("is listened to for payloads only", refused.Error);
    }
}
