local assert = require("assert2")

local function main()
  process.set_options({ trap_links = true })
  local events = process.events()
  local pid, err = process.spawn_linked_monitored("app.test.compat:failing_worker", "app:processes")
  assert.ok(pid, "spawn_linked_monitored: " .. tostring(err))
  process.send(pid, "fail", true)
  local seen = {}
  for _ = 1, 2 do
    local e = events:receive()
    assert.eq(e.from, pid, "event from the child")
    seen[e.kind] = e
  end
  assert.ok(seen[process.event.EXIT], "monitored: an EXIT")
  assert.ok(seen[process.event.LINK_DOWN], "linked: a LINK_DOWN")
  assert.contains(seen[process.event.EXIT].error, "failing on purpose", "the child's error")
  return true
end

return { main = main }
