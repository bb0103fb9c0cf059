local assert = require("assert2")

local function cancel_and_report(...)
  local pid, err = process.spawn("app.test.compat:cancel_worker", "app:processes", process.pid())
  assert.ok(pid, "spawn: " .. tostring(err))
  process.listen("ready"):receive()
  local ok, cerr = process.cancel(pid, ...)
  assert.eq(ok, true, "cancel returns true (" .. tostring(cerr) .. ")")
  return process.listen("seen"):receive()
end

local function main()
  -- no second argument: a CANCEL with no reason and no deadline (Wippy's shape)
  local e = cancel_and_report()
  assert.eq(e.kind, process.event.CANCEL, "kind")
  assert.eq(e.from, process.pid(), "from")
  assert.ok(e.has_at, "at")
  assert.eq(e.has_deadline, false, "no deadline without one")

  -- a reason
  e = cancel_and_report("shutting down")
  assert.eq(e.reason, "shutting down", "reason")
  assert.eq(e.has_deadline, false, "a reason is not a deadline")

  -- a deadline, in milliseconds or as a duration
  e = cancel_and_report(5000)
  assert.eq(e.has_deadline, true, "a number is a deadline")
  e = cancel_and_report("5s")
  assert.eq(e.has_deadline, true, "a duration is a deadline")

  -- a dead or unknown target is an error, nil first
  local ok, err = process.cancel("{app:processes|nope:nope|999999}")
  assert.is_nil(ok, "cancel of an unknown process")
  assert.ok(err, "an error text")
  return true
end

return { main = main }
