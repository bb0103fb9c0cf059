local assert = require("assert2")

local function main()
  -- send to a process that has ended
  local pid = process.spawn_monitored("app.test.compat:idle_worker", "app:processes")
  local events = process.events()
  process.send(pid, "stop", true)
  events:receive()
  local ok, err = process.send(pid, "x", 1)
  assert.is_nil(ok, "send to a dead process returns nil first")
  assert.contains(err, "process not found", "send to a dead process")

  -- unknown host
  local p, herr = process.spawn("app.test.compat:idle_worker", "app:no_such_host")
  assert.is_nil(p, "spawn on an unknown host")
  assert.contains(herr, "host not found", "spawn on an unknown host")

  -- an unresolvable name
  ok, err = process.send("nobody_has_this_name", "x", 1)
  assert.is_nil(ok, "send to an unknown name")
  assert.contains(err, "could not resolve 'nobody_has_this_name' as PID or registered name", "send to an unknown name")

  -- lookup of a free name
  local found, lerr = process.registry.lookup("free_name")
  assert.is_nil(found, "lookup of a free name")
  assert.contains(lerr, "name not registered", "lookup of a free name")

  -- register: again to the same process succeeds; a name another process holds is refused
  assert.eq(process.registry.register("compat_me"), true, "register")
  assert.eq(process.registry.register("compat_me"), true, "register the same name again")
  local other = process.spawn("app.test.compat:idle_worker", "app:processes")
  local rok, rerr = process.registry.register("compat_me", other)
  assert.is_nil(rok, "register a name held by another process")
  assert.contains(rerr, "name already registered", "register a name held by another process")
  process.send(other, "stop", true)
  return true
end

return { main = main }
