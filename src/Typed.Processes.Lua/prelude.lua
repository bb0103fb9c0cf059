-- Runs once in every Lua state, before any process: it builds what the state's processes share (the sandboxed
-- standard libraries, our modules, the binding to C#) and freezes it, and it leaves (in the registry) the function
-- that makes a process's own part: its globals (_ENV), its channels, its coroutines, its loaded modules. A state is
-- shared by many processes (isolation: shared) or holds one (isolation: state); this chunk is the same for both, so
-- both modes behave alike. See docs/lua-isolation.md.
--
-- Blocking calls yield from HERE (Lua code), never from C#: the C# side only tries an operation or queues a waiter and
-- returns a status. The C# functions find the running process themselves; functions here that need the running
-- process's own tables ask for its record with tp.proc().
--
-- The sandbox is an allow-list. C# opens no library: it hands this chunk (as its argument `tp`, never a global) the
-- standard openers it may use, and this chunk opens base, string, table, math, utf8, coroutine, os and debug, keeps
-- what the list below names and drops the rest. io and package are never opened (no package.loaded, no searchers,
-- no loadlib anywhere in the state); debug is opened only to keep debug.sethook (for arm_killer, at the end) and,
-- while this chunk runs, debug.getregistry, debug.setmetatable and debug.getmetatable (for payload :data()), in
-- locals that no function handed to user code holds as an upvalue.
--
-- Sharing: every table user code can reach from two processes is frozen (a read-only proxy, see freeze below), every
-- metatable is locked (__metatable = false), and no metatable's __index is a table user code could reach and change.
local tp = ...
local G = tp.open_base() -- the globals table, which is also this chunk's _ENV
local string, table, math = tp.open_string(), tp.open_table(), tp.open_math()
local utf8, coroutine, os_lib = tp.open_utf8(), tp.open_coroutine(), tp.open_os()
local dbg = tp.open_debug()
local sethook, getregistry = dbg.sethook, dbg.getregistry
local type_setmetatable, type_getmetatable = dbg.setmetatable, dbg.getmetatable -- for payload :data(), then dropped
dbg = nil
for k in pairs({ open_base = 1, open_string = 1, open_table = 1, open_math = 1, open_utf8 = 1, open_coroutine = 1, open_os = 1, open_debug = 1 }) do
  tp[k] = nil -- tp is an upvalue of functions handed out below: leave only the C# functions in it
end
local WAIT = tp.WAIT
local COLLECT = tp.COLLECT
local SHARED = tp.SHARED -- a state shared by processes: the stdlib is loaded now, for the state, not by a process
local yield, running = coroutine.yield, coroutine.running
-- The running process's record, made by new_process below (C# reaches it as registry[RegProcs][pid id]):
--   [1] its channels' objects by id (weak values; C#'s Sweep reads it), [2] the coroutines C# resumes (main and those
--   coroutine.spawn starts: the only ones that may wait; this keeps them alive, C#'s Forget drops a finished one),
--   env (its globals), loaded (require's cache), listen (channel -> topic), timers (time.after channels).
local proc = tp.proc
local WEAK_K, WEAK_V = { __mode = "k" }, { __mode = "v" } -- shared metatables (never handed to user code)
local pairs, type, error, pcall, tostring, rawget, rawset, select = pairs, type, error, pcall, tostring, rawget, rawset, select
-- raw_collectgarbage stays private to the prelude: select_impl uses it (the script gets the allow-listed wrapper)
local raw_setmetatable, raw_getmetatable, raw_load, raw_collectgarbage = setmetatable, getmetatable, load, collectgarbage
local setmetatable = raw_setmetatable

-- sandbox ---------------------------------------------------------------------------------------------------
-- The base functions kept as they are; everything else luaopen_base put in _G (dofile, loadfile, warn, the raw
-- print, load, setmetatable, collectgarbage) is removed, and ours are added below.
local keep = {
  assert = true, error = true, ipairs = true, next = true, pairs = true, pcall = true, xpcall = true, select = true,
  tonumber = true, tostring = true, type = true, rawequal = true, rawlen = true, rawget = true, rawset = true,
  getmetatable = true, _G = true, _VERSION = true,
}
local drop = {}
for k in pairs(G) do if not keep[k] then drop[#drop + 1] = k end end
for i = 1, #drop do G[drop[i]] = nil end

-- pcall and xpcall catch every error, the killer's included (see arm_killer below), and as C functions they run no
-- instruction the killer could fire on: a loop made of C functions only (table.sort(t, pcall) with elements like
-- table.concat and a big table) ran for hours and could not be stopped. These wrappers are Lua code, and they raise
-- the killer's error themselves, before and after the protected call, once the process must stop.
local alive = tp.alive
tp.alive = nil
local raw_pcall, raw_xpcall = G.pcall, G.xpcall
local function stop_or(...)
  if not alive() then error("process terminated", 0) end
  return ...
end
G.pcall = function(...)
  if not alive() then error("process terminated", 0) end
  return stop_or(raw_pcall(...))
end
G.xpcall = function(...)
  if not alive() then error("process terminated", 0) end
  return stop_or(raw_xpcall(...))
end

string.dump = nil -- removed from the real table, the one the string metatable's __index points to
raw_getmetatable("").__metatable = false -- getmetatable("") gives false, setmetatable cannot reach it either
G.string, G.table, G.math, G.utf8, G.coroutine = string, table, math, utf8, coroutine
G.os = { time = os_lib.time, clock = os_lib.clock, date = os_lib.date, difftime = os_lib.difftime }
os_lib = nil

-- Text chunks only; the default environment is the sandbox's globals. An explicit env argument (even nil) is
-- passed on as Lua's load does.
G.load = function(chunk, name, mode, ...)
  if mode ~= nil and mode ~= "t" then return nil, "only text chunks can be loaded" end
  if select("#", ...) > 0 then return raw_load(chunk, name, "t", (...)) end
  return raw_load(chunk, name, "t", proc().env)
end

-- Finalizers never run: Lua calls __gc with hooks disabled (GCTM), so a looping finalizer could not be stopped,
-- neither during the process's life nor in lua_close. An object is marked for finalization only when
-- setmetatable is given a metatable that already has __gc (lua_setmetatable -> luaC_checkfinalizer), and this is
-- the only setmetatable user code has (no debug.setmetatable, no userdata): we set the metatable while its __gc is
-- hidden, so no table is ever marked. A __gc field added later is ignored by Lua itself.
G.setmetatable = function(t, mt)
  if type(mt) == "table" then
    local gc = rawget(mt, "__gc")
    if gc ~= nil then
      rawset(mt, "__gc", nil)
      local ok, err = pcall(raw_setmetatable, t, mt)
      rawset(mt, "__gc", gc)
      if not ok then error(err, 2) end
      return t
    end
  end
  return raw_setmetatable(t, mt)
end

-- "stop" (or "generational"/"incremental" tuning) is refused: the collector is what keeps a process within its
-- memory ceiling.
-- "count" is the process's own memory (what its code allocated and is still alive: LuaState's allocator), not the
-- state's.
local gc_options = { collect = true, count = true, step = true, isrunning = true }
local memory_kb = tp.memory_kb
G.collectgarbage = function(opt, ...)
  if opt == nil then opt = "collect" end
  if not gc_options[opt] then error("collectgarbage: option '" .. tostring(opt) .. "' is not allowed", 2) end
  if opt == "count" then return memory_kb() end
  return raw_collectgarbage(opt, ...)
end

-- channels ----------------------------------------------------------------------------------------------------
-- A channel object is { __id = id } (its id among the process's channels) with this metatable; its methods are in
-- a table user code cannot reach (ch.__index finds nothing).
local ChannelMethods = {}
local Channel = { __index = ChannelMethods, __name = "channel", __metatable = false }

local function wrap(id)
  local chans = proc()[1]
  local ch = chans[id]
  if ch == nil then
    ch = setmetatable({ __id = id }, Channel)
    chans[id] = ch
  end
  return ch
end

local channel = {}
-- the process's time.after channels (weak keys, proc().timers): select turns what they receive into a Time
-- (timer_value, from stdlib.lua)
local timer_value

-- What tp.select answered, once the wait (WAIT) is over and a value that did not fit has been taken (COLLECT).
local wait_result, take_held = tp.wait_result, tp.take_held
local function settle(st, idx, v, ok)
  if st == WAIT then
    yield(WAIT)
    st, idx, v, ok = wait_result()
  end
  if st == COLLECT then
    -- the value received does not fit in what is left of the memory limit: collect garbage here (in Lua, not under
    -- the C# call, with the real collectgarbage: the global one is the script's to replace), then take it; if it
    -- still does not fit, the process ends with "not enough memory"
    raw_collectgarbage("collect")
    st, idx, v, ok = take_held()
  end
  return st, idx, v, ok
end

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
  -- Only main and spawned coroutines may wait: C# resumes them when the wait is over. A yield from a coroutine the
  -- script created would return to the script with the wait still queued (a message it then took was lost, and the
  -- process parked on it at its next preemption), so there the select is "nowait": an error if nothing is ready.
  local P = proc()
  if not nonblocking and not P[2][running()] then nonblocking = "nowait" end
  local st, idx, v, ok = settle(tp.select(nonblocking, n, table.unpack(args, 1, 3 * n)))
  if st == "default" then return { default = true, ok = true } end
  if st == "error" then error(idx, 3) end
  local timers = P.timers
  if ok and timers and timers[cases[idx].channel] then v = timer_value(v) end
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

function ChannelMethods:case_receive() return { channel = self, send = false } end
function ChannelMethods:case_send(v) return { channel = self, send = true, value = v } end
-- A receive is a select of one case without its tables (the hot path of every process): the same protocol as
-- select_impl.
local tp_select = tp.select
function ChannelMethods:receive()
  if type(self) ~= "table" or self.__id == nil then error("select case 1 is not a case (use ch:case_receive() or ch:case_send(v))", 2) end
  local P = proc()
  local st, idx, v, ok = settle(tp_select(not P[2][running()] and "nowait" or false, 1, self.__id, false, nil))
  if st == "error" then error(idx, 2) end
  local timers = P.timers
  if ok and timers and timers[self] then v = timer_value(v) end
  return v, ok
end
function ChannelMethods:send(v)
  local r = select_impl({ { channel = self, send = true, value = v } }, false)
  if not r.ok then error("send on a closed channel", 2) end
  return true
end
function ChannelMethods:close()
  local ok, err = tp.chan_close(self.__id)
  if not ok then error(err, 2) end
  return true
end

-- time and uuid ------------------------------------------------------------------------------------------------
-- time.after and time.sleep are here; the rest of time, and uuid, are stdlib.lua: in a shared state loaded now (once
-- for all its processes), in a state of its own the first time the process reads another key of time, requires uuid
-- or receives from a time.after channel (it costs about 64 KB).
local time, uuid = { -- the duration constants too: `time.sleep(10 * time.MILLISECOND)` needs no more
  NANOSECOND = 1, MICROSECOND = 1000, MILLISECOND = 1000000, SECOND = 1000000000, MINUTE = 60000000000, HOUR = 3600000000000,
}, nil
local stdlib_to_ns, stdlib_timer_value, stdlib_supervisor
local freeze -- below (Freezing)
local frozen = {} -- frozen proxy -> its real table; a sealed stdlib object -> itself (the keys live as long as the state)
local load_stdlib = tp.load_stdlib
tp.load_stdlib = nil
-- what stdlib.lua uses, taken now: the script may change the library tables before it is loaded
local stdlib_uses = {
  tp = tp, error = error, type = type, tostring = tostring, tonumber = G.tonumber, setmetatable = setmetatable,
  ipairs = G.ipairs, find = string.find, sub = string.sub, format = string.format, lower = string.lower,
  gsub = string.gsub, upper = string.upper, rep = string.rep, floor = math.floor, tointeger = math.tointeger,
  mathtype = math.type, maxinteger = math.maxinteger, mininteger = math.mininteger, concat = table.concat,
  call = nil, -- process.call, set below once it exists (the supervisor module's calls)
}
local function stdlib()
  if uuid == nil then
    local chunk = load_stdlib()
    if type(chunk) ~= "function" then error(chunk, 0) end
    local t, u
    t, u, stdlib_timer_value, stdlib_to_ns, stdlib_supervisor = chunk(stdlib_uses)
    for k, v in pairs(t) do
      if rawget(time, k) == nil then
        if type(v) == "table" then
          if raw_getmetatable(v) ~= nil then frozen[v] = v else v = freeze(v) end
        end
        rawset(time, k, v)
      end
    end
    uuid = freeze(u)
    stdlib_supervisor = freeze(stdlib_supervisor)
  end
  return uuid
end
timer_value = function(v) stdlib() return stdlib_timer_value(v) end
setmetatable(time, { __index = function(_, k) stdlib() return rawget(time, k) end, __metatable = false })

-- A duration as milliseconds for C#: numbers are nanoseconds (Wippy), strings Go's syntax (C# parses them), tables
-- the stdlib's Durations (none exists before it is loaded).
local function duration_ms(d)
  if type(d) == "number" then d = d / 1000000
  elseif type(d) == "table" and uuid ~= nil then
    local ns, err = stdlib_to_ns(d)
    if ns == nil then return nil, err end
    d = ns / 1000000
  elseif type(d) ~= "string" then
    return nil, "invalid duration: expected nanoseconds, a string like \"100ms\" or a Duration, got " .. type(d)
  end
  return d
end
local function after_id(d)
  local ms, err = duration_ms(d)
  if ms == nil then return nil, err end
  return tp.after(ms)
end
function time.after(d)
  local id, err = after_id(d)
  if id == nil then error(err, 2) end
  local ch = wrap(id)
  local P = proc()
  local timers = P.timers
  if not timers then timers = setmetatable({}, WEAK_K) P.timers = timers end
  timers[ch] = true
  return ch
end
function time.sleep(d)
  local id, err = after_id(d)
  if id == nil then error(err, 2) end
  wrap(id):receive()
end

-- process -----------------------------------------------------------------------------------------------------
local process = {}
process.event = { EXIT = "pid.exit", LINK_DOWN = "pid.link.down", CANCEL = "pid.cancel" }
process.pid = tp.pid
-- Our extension: a service with lifecycle.readiness: signal (a supervisor child that signals readiness) is started now.
process.ready = tp.ready
function process.spawn(entry, host, ...) return tp.spawn("plain", entry, host, ...) end
function process.spawn_monitored(entry, host, ...) return tp.spawn("monitored", entry, host, ...) end
function process.spawn_linked(entry, host, ...) return tp.spawn("linked", entry, host, ...) end
function process.spawn_linked_monitored(entry, host, ...) return tp.spawn("linked_monitored", entry, host, ...) end
process.send = tp.send
-- Our extension: the W3C traceparent ("00-<trace id>-<span id>-<flags>") of the message this process took last, when
-- someone traces the runtime (docs/observability.md), else nil.
process.traceparent = tp.traceparent
-- proc().listen: channel -> its topic, for unlisten (private: a script cannot make unlisten act on another topic)
function process.listen(topic, opts)
  local id, err = tp.listen(topic, type(opts) == "table" and opts.message == true)
  if id == nil then return nil, err end
  local ch = wrap(id)
  local P = proc()
  local topics = P.listen
  if not topics then topics = setmetatable({}, WEAK_K) P.listen = topics end
  topics[ch] = topic
  return ch
end
-- Stops the listener: messages already in the channel stay there, later ones of the topic go to the inbox.
function process.unlisten(ch)
  local topics = proc().listen
  local topic = type(ch) == "table" and topics and topics[ch] or nil
  if topic == nil then return nil, "unlisten: not a channel returned by process.listen" end
  if not tp.unlisten(topic) then return nil, "unlisten: topic '" .. topic .. "' has no listener" end
  return true
end
-- Our extension (Wippy has none): waits for the one reply (msg:reply), or nil, err (see LuaProcess.Calls.cs).
function process.call(target, topic, payload, timeout)
  local ms, err = "5s", nil -- the default of C#'s typed stubs too (ProcessRuntime.DefaultCallTimeout)
  if timeout ~= nil then
    ms, err = duration_ms(timeout)
    if ms == nil then return nil, err end
  end
  local id
  id, err = tp.call(target, topic, payload, ms, proc()[2][running()])
  if id == nil then return nil, err end
  local ok, r = pcall(select_impl, { { channel = wrap(id), send = false } }, false)
  err = tp.call_end(id)
  if not ok then return nil, r end
  if err ~= nil then return nil, err end
  return r.value
end
stdlib_uses.call = process.call
function process.inbox() return wrap(tp.inbox()) end
function process.events() return wrap(tp.events()) end
process.monitor = tp.monitor
process.unmonitor = tp.unmonitor
process.link = tp.link
process.unlink = tp.unlink
process.terminate = tp.terminate
process.cancel = tp.cancel
-- Wippy's shape: true, or false, err (the one failing call that gives false rather than nil); every key is checked
-- before any is applied, so a refused call changes nothing.
function process.set_options(opts)
  if type(opts) ~= "table" then return false, "options parameter must be a table" end
  for k, v in pairs(opts) do
    if k == "trap_links" then
      if type(v) ~= "boolean" then return false, "trap_links must be a boolean" end
    elseif type(k) == "string" then
      return false, "option " .. k .. " is not supported"
    end
  end
  if opts.trap_links == nil then return true end
  local ok, err = tp.set_options(opts.trap_links)
  if not ok then return false, err end
  return true
end
function process.get_options() return { trap_links = tp.get_trap_links() } end
process.registry = { register = tp.reg_register, lookup = tp.reg_lookup, unregister = tp.reg_unregister }

-- message objects ---------------------------------------------------------------------------------------------
-- Its methods are in a table user code cannot reach (msg.__index finds nothing).
local MessageMethods = {}
local Message = { __index = MessageMethods, __name = "message", __metatable = false }
function MessageMethods:from() return self._from end
function MessageMethods:topic() return self._topic end
function MessageMethods:reply(v) return tp.reply(self._call, v, self._topic) end -- see LuaProcess.Calls.cs

-- payload:data() (Wippy reads a payload as msg:payload():data()). msg:payload() is the value itself (the seed), so
-- every type a payload can have gets a `data` method that returns the value; nil cannot have one (see docs/lua.md).
local function same(v) return v end
-- strings: the string metatable's __index becomes a table holding only `data`, which falls back to the string
-- library (so string functions a script adds are still methods); `string.data` stays nil.
type_getmetatable("").__index = setmetatable({ data = same }, { __index = string })
-- numbers and booleans: a locked metatable of their own (getmetatable(1) is false, as for strings) whose __index
-- knows `data` only; any other key raises the error indexing them always raised.
local function scalar_index(v, k)
  if k == "data" then return same end
  error("attempt to index a " .. type(v) .. " value", 2)
end
type_setmetatable(0, { __index = scalar_index, __metatable = false })
type_setmetatable(false, { __index = scalar_index, __metatable = false })
type_setmetatable, type_getmetatable = nil, nil
-- tables: the table msg:payload() returns gets, the first time, a metatable of its own (unlocked: the script may
-- replace it) with an __index for `data` only. pairs, # and every field the table has are unchanged.
local function payload_index(_, k)
  if k == "data" then return same end
end
function MessageMethods:payload()
  local p = self._payload
  if type(p) == "table" and raw_getmetatable(p) == nil then raw_setmetatable(p, { __index = payload_index }) end
  return p
end

-- globals, require, print -------------------------------------------------------------------------------------
G.process, G.channel, G.time = process, channel, time
-- require without the package library: our modules, then the entry's library.lua modules (each run once per process,
-- in the process's globals: tp.lib gives the library's function, compiled once per state); any other name is not
-- found. The cache is the process's own (proc().loaded).
local LOADING = {}
local lib_of = tp.lib
G.require = function(name)
  if type(name) ~= "string" then error("bad argument #1 to 'require' (string expected, got " .. type(name) .. ")", 2) end
  local P = proc()
  local loaded = P.loaded
  local m = rawget(loaded, name)
  if m == LOADING then error("loop or previous error loading module '" .. name .. "'", 2) end
  if m ~= nil then return m end
  if name == "uuid" then m = stdlib() rawset(loaded, name, m) return m end
  local chunk = lib_of(name)
  -- our supervisor module (stdlib.lua); a manifest's own library of that name wins
  if chunk == nil and name == "supervisor" then stdlib() rawset(loaded, name, stdlib_supervisor) return stdlib_supervisor end
  if chunk == nil then error("module '" .. name .. "' not found", 2) end
  rawset(loaded, name, LOADING)
  m = chunk(P.env, name)
  if m == nil then m = true end
  rawset(loaded, name, m)
  return m
end
local log = tp.log
G.print = function(...)
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

local function runner(main, ...)
  local r = table.pack(xpcall(main, message_of, ...))
  if not r[1] then return false, r[2] end
  if (r[2] == nil or r[2] == false) and r.n >= 3 and r[3] ~= nil then return false, message_of(r[3]) end
  return true, r[2]
end

-- coroutine.spawn ---------------------------------------------------------------------------------------------
-- A spawned coroutine runs fn() beside main, scheduled by C# (LuaProcess.Coroutines.cs): it may wait as main does,
-- its return values are dropped, an error it raises ends the process, and it ends with the process (when main
-- returns). Only C# resumes it: the script's coroutine.resume and coroutine.close refuse it, and main too.
local sandbox_xpcall = G.xpcall
local function spawned_body(fn)
  local ok, e = sandbox_xpcall(fn, message_of)
  if not ok then return false, e end
  return true
end
local co_create, raw_resume, raw_close = coroutine.create, coroutine.resume, coroutine.close
function coroutine.spawn(fn)
  if type(fn) ~= "function" then error("bad argument #1 to 'spawn' (function expected, got " .. type(fn) .. ")", 2) end
  local co = co_create(function() return spawned_body(fn) end)
  local cos = proc()[2]
  cos[co] = true
  local ok, err = tp.co_spawn(co)
  if not ok then
    cos[co] = nil
    error(err, 2)
  end
  return co
end
function coroutine.resume(co, ...)
  if proc()[2][co] then error("cannot resume a coroutine the runtime schedules (main or one from coroutine.spawn)", 2) end
  return raw_resume(co, ...)
end
function coroutine.close(co)
  if proc()[2][co] then error("cannot close a coroutine the runtime schedules (main or one from coroutine.spawn)", 2) end
  return raw_close(co)
end

-- The killer, for a process that must stop while its thread cannot yield (a loop in a table.sort comparator, a
-- string.gsub callback, a __tostring called by tostring...). C#'s count hook calls arm_killer (with lua_pcall) on
-- the running thread; it replaces that thread's hook by a Lua hook run at every instruction, which raises an error
-- from Lua code. The error unwinds native frames only, up to the lua_resume (or a script's pcall, whose next
-- instruction raises it again): the C# functions in tp never call back into Lua, so no managed frame is ever
-- between a Lua error and the lua_resume/lua_pcall that catches it. arm_killer is handed to C# only (in the
-- registry); sethook is an upvalue of it and of nothing user code can reach.
local function kill() error("process terminated", 0) end
local function arm_killer() sethook(kill, "", 1) end
-- Create the hook table now (sethook makes it on first use, holding one thread), so that arming a process that is
-- at its memory ceiling needs no new table.
sethook(kill, "", 1 << 30)
sethook()

-- Freezing ----------------------------------------------------------------------------------------------------
-- A frozen table is an empty proxy whose metatable (locked) reads the real table and refuses every write; the real
-- table is reachable from no user code (pairs gives a fresh iterator, not the table; rawget, rawset, next and rawlen
-- look through proxies or refuse). Tables nested in a frozen table are frozen first.
local function deny() error("attempt to change a read-only table (the libraries are shared by every process)", 2) end
local raw_next, raw_rawlen = next, G.rawlen
function freeze(real)
  for k, v in raw_next, real do
    if type(v) == "table" and frozen[v] == nil then
      -- an object of the stdlib (time.UTC: an empty table with a locked metatable, whose identity its private state
      -- is kept by) stays itself; rawset refuses it
      if raw_getmetatable(v) ~= nil then frozen[v] = v else rawset(real, k, freeze(v)) end
    end
  end
  local proxy = raw_setmetatable({}, {
    __index = real, __newindex = deny, __metatable = false, __name = "read-only table",
    __len = function() return raw_rawlen(real) end,
    __pairs = function()
      local k
      return function() local v; k, v = raw_next(real, k); return k, v end
    end,
  })
  frozen[proxy] = real
  return proxy
end
G.rawset = function(t, k, v)
  if frozen[t] ~= nil then deny() end
  return rawset(t, k, v)
end
G.rawget = function(t, k)
  local real = frozen[t]
  if real ~= nil then return rawget(real, k) end
  return rawget(t, k)
end
G.next = function(t, k)
  local real = frozen[t]
  if real ~= nil then return raw_next(real, k) end
  return raw_next(t, k)
end
G.rawlen = function(t)
  local real = frozen[t]
  if real ~= nil then return raw_rawlen(real) end
  return raw_rawlen(t)
end

if SHARED then stdlib() end -- for the state (and frozen with it), not charged to the process that first uses it
for _, name in ipairs({ "string", "table", "math", "utf8", "coroutine", "os", "process", "channel", "time" }) do
  G[name] = freeze(G[name])
end
local modules = { process = G.process, channel = G.channel, time = G.time } -- what require gives: the frozen tables

-- A process's globals: a fresh table holding what G holds now (the frozen libraries, the sandbox's functions) and
-- _G = itself. In a shared state, made by a table constructor of all those names (sized once: compiled once per state
-- for every spawn); in a state of its own (one process), by a plain copy.
local make_env
if SHARED then
  local names = {}
  for k in raw_next, G do if k ~= "_G" then names[#names + 1] = k end end
  table.sort(names)
  for i = 1, #names do names[i] = names[i] .. " = G." .. names[i] end
  make_env = raw_load("local G = ... return function() local e = { _G = false, " .. table.concat(names, ", ") ..
    " } e._G = e return e end", "=env", "t", {})(G)
else
  make_env = function()
    local e = {}
    for k, v in raw_next, G do e[k] = v end
    e._G = e
    return e
  end
end

-- The records of this state's processes, by id (C# clears one when its process ends); new_process(id) makes one and
-- returns the process's globals and its main coroutine (C# resumes it with (main, args...) as the runner's arguments).
local procs = {}
local function new_process(id)
  local env = make_env()
  local main_co = co_create(runner)
  procs[id] = {
    setmetatable({}, WEAK_V), { [main_co] = true }, env = env,
    loaded = { process = modules.process, channel = modules.channel, time = modules.time },
    -- listen (channel -> topic) and timers (time.after's channels), weak keys: made when first needed
  }
  return env, main_co
end

-- What C# reads later, stored here under the state's setup lua_pcall (keys: LuaState.Reg*). getregistry is a local
-- of this chunk only; after this, no reference to the registry or to sethook is left but arm_killer's.
do
  local registry = getregistry()
  registry[-1] = Message
  registry[-2] = arm_killer
  registry[-3] = procs
  registry[-4] = new_process
end
getregistry = nil
