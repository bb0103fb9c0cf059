local assert = require("assert2")

type Point = { x: number, y: number }

local function add(a: number, b: number): number
  return a + b
end

local function origin(): Point
  local p: Point = { x = 0, y = 0 }
  return p
end

local function main(): boolean
  local label: string = "sum"
  local n = (add(1, 2) :: number)
  assert.eq(n, 3, label)
  assert.eq(origin().x, 0, "a typed table")
  return true
end

return { main = main }
