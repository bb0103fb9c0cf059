local assert = require("assert2")
local uuid = require("uuid")

local pattern = "^%x%x%x%x%x%x%x%x%-%x%x%x%x%-(%x)%x%x%x%-[89ab]%x%x%x%-%x%x%x%x%x%x%x%x%x%x%x%x$"

local function main()
  local a, b = uuid.v4(), uuid.v4()
  assert.eq(string.match(a, pattern), "4", "v4 shape and version")
  assert.ok(a ~= b, "v4 values differ")
  local x, y = uuid.v7(), uuid.v7()
  assert.eq(string.match(x, pattern), "7", "v7 shape and version")
  assert.ok(x < y, "v7 values sort by time")
  return true
end

return { main = main }
