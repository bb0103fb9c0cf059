local assert = require("assert2")

local function main()
  assert.ok(process.inbox() == process.inbox(), "inbox is one channel")
  assert.ok(process.events() == process.events(), "events is one channel")
  assert.ok(process.listen("t") == process.listen("t"), "listen(topic) is one channel per topic")
  local seen = { [process.listen("t")] = "t" }
  assert.eq(seen[process.listen("t")], "t", "usable as a table key")
  local ok, err = process.set_options({ unknown = 1 })
  assert.eq(ok, false, "an unknown option")
  assert.eq(err, "option unknown is not supported", "its text")
  return true
end

return { main = main }
