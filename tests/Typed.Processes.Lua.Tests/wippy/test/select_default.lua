local assert = require("assert2")

local function main()
  local ch = channel.new(1)
  local r = channel.select { ch:case_receive(), default = true }
  assert.eq(r.default, true, "default taken")
  assert.eq(r.ok, true, "ok with the default")
  ch:send("v")
  r = channel.select { ch:case_receive(), default = true }
  assert.eq(r.value, "v", "a ready case wins over the default")
  assert.eq(r.ok, true, "ok")
  assert.ok(not r.default, "not the default")
  return true
end

return { main = main }
