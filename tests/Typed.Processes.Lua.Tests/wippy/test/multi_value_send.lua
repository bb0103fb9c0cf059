local assert = require("assert2")

local function main()
  local inbox = process.inbox()
  assert.eq(process.send(process.pid(), "many", 1, "two", { three = 3 }), true, "send")
  assert.eq(process.send(process.pid(), "one", "only"), true, "send one value")
  local msg = inbox:receive()
  assert.eq(msg:topic(), "many", "first message")
  local p = msg:payload()
  assert.eq(type(p), "table", "several values arrive as one table")
  assert.eq(#p, 3, "three values")
  assert.eq(p[1], 1, "first")
  assert.eq(p[2], "two", "second")
  assert.eq(p[3].three, 3, "third")
  msg = inbox:receive()
  assert.eq(msg:topic(), "one", "one message per send")
  assert.eq(msg:payload(), "only", "one value arrives as itself")
  local r = channel.select { inbox:case_receive(), default = true }
  assert.ok(r.default, "nothing else was sent")
  return true
end

return { main = main }
