-- A small assertion library: each check raises with the caller's line and both values.
local M = {}

local function show(v)
  if type(v) == "string" then return string.format("%q", v) end
  return tostring(v)
end

function M.eq(actual, expected, what)
  if actual ~= expected then
    error(string.format("%s: expected %s, got %s", what or "eq", show(expected), show(actual)), 2)
  end
end

function M.ok(value, what)
  if not value then error((what or "ok") .. ": expected a true value, got " .. show(value), 2) end
end

function M.is_nil(value, what)
  if value ~= nil then error((what or "is_nil") .. ": expected nil, got " .. show(value), 2) end
end

function M.contains(text, part, what)
  if type(text) ~= "string" or not string.find(text, part, 1, true) then
    error(string.format("%s: expected text containing %s, got %s", what or "contains", show(part), show(text)), 2)
  end
end

return M
