using Xunit;

namespace Typed.Processes.Lua.Tests;

/// <summary>Issue 10, items 1-4 and 7: the shapes and texts of the Lua API where Wippy programs depend on them.</summary>
public class LuaApiShapeTests : LuaTest
{
    [Fact]
    public async Task Cancel_takes_nothing_a_reason_or_a_deadline_and_the_event_says_which()
    {
        var r = await Run(Lua("""
            return { main = function()
              local me = process.pid()
              local ev = process.events()
              assert(process.cancel(me))                  -- no second argument: a reason-less CANCEL
              assert(process.cancel(me, "shutting down")) -- a string that is not a duration: a reason
              assert(process.cancel(me, "5sec"))          -- not Go's syntax: a reason too
              assert(process.cancel(me, "1m30s"))         -- a duration string: a deadline
              assert(process.cancel(me, 60000))           -- a number: a deadline in milliseconds
              assert(process.cancel(me, nil))             -- an explicit nil is no argument
              local out = {}
              for i = 1, 6 do
                local e = ev:receive()
                out[i] = table.concat({ e.kind, tostring(e.from == me), type(e.at), "[" .. tostring(e.reason) .. "]",
                  e.deadline and string.format("%.0f", e.deadline - e.at) or "none" }, ",")
              end
              return table.concat(out, "|")
            end }
            """));
        Assert.Null(r.Error);
        Assert.Equal("pid.cancel,true,number,[],none|pid.cancel,true,number,[shutting down],none|pid.cancel,true,number,[5sec],none|" +
                     "pid.cancel,true,number,[],90|pid.cancel,true,number,[],60|pid.cancel,true,number,[],none", r.Result);
    }

    [Fact]
    public async Task A_bad_cancel_is_nil_err_and_delivers_nothing()
    {
        var r = await Run(Lua("""
            return { main = function()
              local me = process.pid()
              local ev = process.events()
              local out = {}
              for _, arg in ipairs({ {}, -5, "-1s", 0 / 0, true }) do
                local ok, err = process.cancel(me, arg)
                out[#out + 1] = tostring(ok) .. ":" .. err
              end
              local ok, err = process.cancel("nobody", "why")
              out[#out + 1] = tostring(ok) .. ":" .. err
              local none = channel.select { ev:case_receive(), default = true }
              out[#out + 1] = tostring(none.default)
              return table.concat(out, "|")
            end }
            """));
        Assert.Null(r.Error);
        var parts = ((string)r.Result!).Split('|');
        Assert.StartsWith("nil:cancel: the second argument must be a reason", parts[0]);
        Assert.EndsWith("not a table", parts[0]);
        Assert.Equal("nil:deadline must not be negative", parts[1]);
        Assert.Equal("nil:deadline must not be negative", parts[2]);
        Assert.Equal("nil:duration must be a number of milliseconds, not NaN", parts[3]);
        Assert.EndsWith("not a boolean", parts[4]);
        Assert.Equal("nil:could not resolve 'nobody' as PID or registered name", parts[5]);
        Assert.Equal("true", parts[6]); // nothing was delivered
    }

    [Fact]
    public async Task Every_failing_call_returns_nil_and_Wippys_error_text()
    {
        var quick = Lua("return { main = function() return 1 end }");
        var idle = Lua("return { main = function() process.listen('never'):receive() end }");
        var r = await Run(Lua("""
            return { main = function(quick, idle)
              local me = process.pid()
              local dead = process.spawn_monitored(quick, "app:processes")
              process.events():receive()
              local holder = process.spawn(idle, "app:processes")
              assert(process.registry.register("held_by_other", holder))
              local out = {}
              local function try(label, ...)
                local n = select("#", ...)
                local a, b = ...
                out[#out + 1] = label .. "=" .. tostring(a) .. "," .. tostring(b) .. (n == 2 and "" or "(" .. n .. " values)")
              end
              try("send dead", process.send(dead, "t", 1))
              try("send ghost", process.send("ghost", "t", 1))
              try("send dest", process.send(42, "t", 1))
              try("send topic", process.send(me, 42, 1))
              try("send value", process.send(me, "t", print))
              try("spawn host", process.spawn(quick, "app:nohost"))
              try("lookup", process.registry.lookup("free_name"))
              try("register taken", process.registry.register("held_by_other"))
              try("register name", process.registry.register(42))
              try("register dead", process.registry.register("for_dead", dead))
              try("monitor", process.monitor("ghost"))
              try("link dead", process.link(dead))
              try("terminate dead", process.terminate(dead))
              try("terminate ghost", process.terminate("ghost"))
              try("unlink", process.unlink("ghost"))
              try("listen", process.listen(""))
              -- the same name to the same process again succeeds
              try("register twice", process.registry.register("mine"), process.registry.register("mine"))
              process.terminate(holder)
              return table.concat(out, "\n")
            end }
            """), quick, idle);
        Assert.Null(r.Error);
        var lines = ((string)r.Result!).Split('\n').Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        Assert.Matches(@"^nil,process not found: \{app:processes\|test:l[0-9a-f]+\|\d+\} is not alive$", lines["send dead"]);
        Assert.Equal("nil,could not resolve 'ghost' as PID or registered name", lines["send ghost"]);
        Assert.Equal("nil,send: destination must be a PID or a registered name", lines["send dest"]);
        Assert.Equal("nil,send: topic must be a string", lines["send topic"]);
        Assert.StartsWith("nil,a function cannot be sent", lines["send value"]);
        Assert.Equal("nil,host not found: 'app:nohost'", lines["spawn host"]);
        Assert.Equal("nil,name not registered: 'free_name'", lines["lookup"]);
        Assert.Matches(@"^nil,name already registered: 'held_by_other' is held by \{", lines["register taken"]);
        Assert.Equal("nil,register: name must be a string", lines["register name"]);
        Assert.StartsWith("nil,process not found: {", lines["register dead"]);
        Assert.Equal("nil,could not resolve 'ghost' as PID or registered name", lines["monitor"]);
        Assert.StartsWith("nil,noproc: process {", lines["link dead"]);
        Assert.StartsWith("nil,process not found: {", lines["terminate dead"]);
        Assert.Equal("nil,could not resolve 'ghost' as PID or registered name", lines["terminate ghost"]);
        Assert.Equal("nil,could not resolve 'ghost' as PID or registered name", lines["unlink"]);
        Assert.Equal("nil,listen: topic must be a non-empty string", lines["listen"]);
        Assert.Equal("true,true", lines["register twice"]);
    }

    [Fact]
    public async Task Set_options_follows_Wippy_false_err_and_a_refused_call_changes_nothing()
    {
        var r = await Run(Lua("""
            return { main = function()
              local out = {}
              local function try(...) local a, b = ... out[#out + 1] = tostring(a) .. "," .. tostring(b) end
              try(process.set_options({ unknown = 1 }))
              try(process.set_options({ trap_links = true, bogus = true }))
              try(process.set_options({ trap_links = "yes" }))
              try(process.set_options("trap_links"))
              out[#out + 1] = tostring(process.get_options().trap_links) -- still false: nothing was applied
              try(process.set_options({ trap_links = true }))
              try(process.set_options({}))                                -- no key: nothing changes
              out[#out + 1] = tostring(process.get_options().trap_links)
              return table.concat(out, "|")
            end }
            """));
        Assert.Equal("false,option unknown is not supported|false,option bogus is not supported|false,trap_links must be a boolean|" +
                     "false,options parameter must be a table|false|true,nil|true,nil|true", r.Result);
    }

    [Fact]
    public async Task Send_with_several_values_is_one_message_whose_payload_is_their_array()
    {
        var r = await Run(Lua("""
            return { main = function()
              local me = process.pid()
              local ch = process.listen("m", { message = true })
              assert(process.send(me, "m", 1, "two", { three = 3 }))
              assert(process.send(me, "m", "one"))
              assert(process.send(me, "m"))
              assert(process.send(me, "m", 1, nil, 3))
              local ok, err = process.send(me, "m", 1, print)           -- refused as a whole: nothing delivered
              local out = {}
              local a = ch:receive():payload()
              out[#out + 1] = type(a) .. #a .. a[1] .. a[2] .. a[3].three .. tostring(math.type(a[1]))
              out[#out + 1] = ch:receive():payload()
              out[#out + 1] = tostring(ch:receive():payload())
              local h = ch:receive():payload()
              out[#out + 1] = tostring(h[1]) .. tostring(h[2]) .. tostring(h[3])
              out[#out + 1] = tostring(ok) .. "," .. err
              out[#out + 1] = tostring(channel.select({ ch:case_receive(), default = true }).default)
              return table.concat(out, "|")
            end }
            """));
        Assert.Null(r.Error);
        Assert.Equal("table31two3integer|one|nil|1nil3|nil,value 2: a function cannot be sent between processes (only nil, booleans, numbers, strings and tables)|true", r.Result);
    }

    [Fact]
    public async Task A_CSharp_process_receives_several_values_as_one_PayloadTable()
    {
        var got = new TaskCompletionSource<object?>(TaskCreationOptions.RunContinuationsAsynchronously);
        Runtime.Entries.Add("cs:collector", async ctx =>
        {
            var first = await ctx.Listen("v").ReceiveAsync();
            got.SetResult(first);
            return null;
        });
        var lua = Lua("return { main = function() local c = process.spawn('cs:collector', 'app:processes') return process.send(c, 'v', 1, 'x', true) end }");
        Assert.Equal(true, (await Run(lua)).Result);
        Assert.Equal(PayloadTable.FromItems(1L, "x", true), await got.Task.WaitAsync(Guard));
    }

    [Fact]
    public async Task Select_taking_the_default_returns_default_and_ok()
    {
        var r = await Run(Lua("""
            return { main = function()
              local ch = channel.new(0)
              local s = channel.select { ch:case_receive(), default = true }
              return tostring(s.default) .. "," .. tostring(s.ok) .. "," .. tostring(s.channel) .. "," .. tostring(s.value)
            end }
            """));
        Assert.Equal("true,true,nil,nil", r.Result);
    }

    [Fact]
    public async Task Inbox_events_and_listen_return_the_same_channel_each_time()
    {
        var r = await Run(Lua("""
            return { main = function()
              local i1, e1, l1 = process.inbox(), process.events(), process.listen("t")
              local m1 = process.listen("m", { message = true })
              collectgarbage() collectgarbage()
              local i2, e2, l2 = process.inbox(), process.events(), process.listen("t")
              local m2 = process.listen("m", { message = true })
              local keys = { [i1] = "inbox", [e1] = "events", [l1] = "t", [m1] = "m" }
              local other, err = process.listen("t", { message = true })      -- another kind on the same topic
              return table.concat({ tostring(i1 == i2), tostring(e1 == e2), tostring(l1 == l2), tostring(m1 == m2),
                tostring(rawequal(l1, l2)), keys[i2], keys[e2], keys[l2], keys[m2], tostring(l1 ~= m1),
                tostring(other), tostring(err:find("already has a listener of another kind", 1, true) ~= nil) }, ",")
            end }
            """));
        Assert.Equal("true,true,true,true,true,inbox,events,t,m,true,nil,true", r.Result);
    }
}
