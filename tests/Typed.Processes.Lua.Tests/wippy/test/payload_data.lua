local assert = require("assert2")

local function main()
  local inbox = process.inbox()
  local sent = { "text", 42, 2.5, true, false, { a = 1, list = { 1, 2 } } }
  for _, v in ipairs(sent) do process.send(process.pid(), "v", v) end
  for i, v in ipairs(sent) do
    local msg = inbox:receive()
    local p = msg:payload()
    local d = p:data()
    if type(v) == "table" then
      assert.eq(d.a, 1, "table field through :data()")
      assert.eq(d.list[2], 2, "nested list through :data()")
      assert.eq(p.a, 1, "the payload itself is the table (the seed)")
    else
      assert.eq(d, v, "value " .. i .. " through :data()")
      assert.eq(p, v, "value " .. i .. " itself (the seed)")
    end
  end
  return true
end

return { main = main }
