-- Tells its parent it is ready, then reports the first event it gets (a CANCEL) and exits.
local function main(parent)
  local events = process.events()
  process.send(parent, "ready", process.pid())
  local e = events:receive()
  process.send(parent, "seen", {
    kind = e.kind, from = e.from, reason = e.reason, has_at = e.at ~= nil, has_deadline = e.deadline ~= nil,
  })
  return "cancelled"
end

return { main = main }
