local assert = require("assert2")

local function main()
  local inbox = process.inbox()
  local ch = process.listen("topic")
  process.send(process.pid(), "topic", 1)
  assert.eq(ch:receive(), 1, "routed to the listener")
  process.unlisten(ch)
  process.send(process.pid(), "topic", 2)
  local msg = inbox:receive()
  assert.eq(msg:topic(), "topic", "after unlisten the topic goes to the inbox")
  assert.eq(msg:payload(), 2, "payload")
  return true
end

return { main = main }
