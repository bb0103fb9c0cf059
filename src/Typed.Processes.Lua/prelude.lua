-- Runs in every Lua process's own state before its entry. Blocking calls yield from HERE (Lua code), never from
-- C#: the C# side only tries an operation or queues a waiter and returns a status.
local tp = __tp
__tp = nil
local WAIT = tp.WAIT
local COLLECT = tp.COLLECT
local yield = coroutine.yield
local collectgarbage = collectgarbage

-- sandbox ---------------------------------------------------------------------------------------------------
io = nil
debug = nil
dofile = nil
loadfile = nil
local os_time, os_clock, os_date, os_difftime = os.time, os.clock, os.date, os.difftime
os = { time = os_time, clock = os_clock, date = os_date, difftime = os_difftime }
package.loadlib = nil
package.cpath = ""
package.path = ""
package.searchers = { package.searchers[1] } -- preload only: no files, no native modules
local raw_load = load
load = function(chunk, name, mode, env)
  if mode ~= nil and mode ~= "t" then return nil, "only text chunks can be loaded" end
  return raw_load(chunk, name, "t", env or _ENV)
end

-- channels ----------------------------------------------------------------------------------------------------
local chans = setmetatable({}, { __mode = "v" })
local Channel = {}
Channel.__index = Channel
Channel.__name = "channel"

local function wrap(id)
  local ch = chans[id]
  if ch == nil then
    ch = setmetatable({ __id = id }, Channel)
    chans[id] = ch
  end
  return ch
end

local channel = {}

local function select_impl(cases, nonblocking)
  if type(cases) ~= "table" then error("channel.select expects a table of cases", 3) end
  local n = #cases
  if n == 0 then error("channel.select needs at least one case", 3) end
  local args = {}
  for i = 1, n do
    local c = cases[i]
    if type(c) ~= "table" or c.channel == nil then error("select case " .. i .. " is not a case (use ch:case_receive() or ch:case_send(v))", 3) end
    args[3 * i - 2] = c.channel.__id
    args[3 * i - 1] = c.send or false
    args[3 * i] = c.value
  end
  local st, idx, v, ok = tp.select(nonblocking, n, table.unpack(args, 1, 3 * n))
  if st == WAIT then
    yield(WAIT)
    st, idx, v, ok = tp.wait_result()
  end
  if st == COLLECT then
    -- the value received does not fit in what is left of the memory limit: collect garbage here (finalizers run in
    -- Lua, not under the C# call), then take it; if it still does not fit, the process ends with "not enough memory"
    collectgarbage("collect")
    st, idx, v, ok = tp.take_held()
  end
  if st == "default" then return { default = true } end
  if st == "error" then error(idx, 3) end
  return { channel = cases[idx].channel, value = v, ok = ok }
end

function channel.select(cases)
  return select_impl(cases, cases and cases.default and true or false)
end

function channel.new(size)
  local id, err = tp.chan_new(size or 0)
  if id == nil then error(err, 2) end
  return wrap(id)
end

function Channel:case_receive() return { channel = self, send = false } end
function Channel:case_send(v) return { channel = self, send = true, value = v } end
function Channel:receive()
  local r = select_impl({ { channel = self, send = false } }, false)
  return r.value, r.ok
end
function Channel:send(v)
  local r = select_impl({ { channel = self, send = true, value = v } }, false)
  if not r.ok then error("send on a closed channel", 2) end
  return true
end
function Channel:close()
  local ok, err = tp.chan_close(self.__id)
  if not ok then error(err, 2) end
  return true
end

-- time --------------------------------------------------------------------------------------------------------
local time = {}
function time.after(d)
  local id, err = tp.after(d)
  if id == nil then error(err, 2) end
  return wrap(id)
end
function time.sleep(d)
  local ch = time.after(d)
  ch:receive()
end
function time.now() return tp.now() end

-- process -----------------------------------------------------------------------------------------------------
local process = {}
process.event = { EXIT = "pid.exit", LINK_DOWN = "pid.link.down", CANCEL = "pid.cancel" }
process.pid = tp.pid
function process.spawn(entry, host, ...) return tp.spawn("plain", entry, host, ...) end
function process.spawn_monitored(entry, host, ...) return tp.spawn("monitored", entry, host, ...) end
function process.spawn_linked(entry, host, ...) return tp.spawn("linked", entry, host, ...) end
process.send = tp.send
function process.listen(topic, opts)
  local id, err = tp.listen(topic, type(opts) == "table" and opts.message == true)
  if id == nil then return nil, err end
  return wrap(id)
end
function process.inbox() return wrap(tp.inbox()) end
function process.events() return wrap(tp.events()) end
function process.unlisten(ch) return tp.unlisten(ch and ch.__topic) end
process.monitor = tp.monitor
process.unmonitor = tp.unmonitor
process.link = tp.link
process.unlink = tp.unlink
process.terminate = tp.terminate
process.cancel = tp.cancel
function process.set_options(opts)
  if type(opts) ~= "table" then return false, "set_options expects a table" end
  return tp.set_options(opts.trap_links == true)
end
function process.get_options() return { trap_links = tp.get_trap_links() } end
process.registry = { register = tp.reg_register, lookup = tp.reg_lookup, unregister = tp.reg_unregister }

-- message objects ---------------------------------------------------------------------------------------------
local Message = {}
Message.__index = Message
Message.__name = "message"
function Message:from() return self._from end
function Message:payload() return self._payload end
function Message:topic() return self._topic end
tp.set_message_mt(Message)

-- globals, require, print -------------------------------------------------------------------------------------
_G.process, _G.channel, _G.time = process, channel, time
local builtin = { process = process, channel = channel, time = time }
local raw_require = require
require = function(name)
  if builtin[name] then return builtin[name] end
  return raw_require(name)
end
local log = tp.log
print = function(...)
  local t = table.pack(...)
  for i = 1, t.n do t[i] = tostring(t[i]) end
  log(table.concat(t, "\t", 1, t.n))
end

-- the body of every process: runs main, turns errors and (nil|false, err) returns into an error result
local function message_of(e)
  if type(e) == "string" then return e end
  local ok, s = pcall(tostring, e)
  if ok and type(s) == "string" then return s end
  return "error object of type " .. type(e)
end

return function(main, ...)
  local r = table.pack(xpcall(main, message_of, ...))
  if not r[1] then return false, r[2] end
  if (r[2] == nil or r[2] == false) and r.n >= 3 and r[3] ~= nil then return false, message_of(r[3]) end
  return true, r[2]
end
