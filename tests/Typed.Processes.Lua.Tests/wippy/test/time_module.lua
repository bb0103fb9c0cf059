local assert = require("assert2")
local time = require("time")

local function main()
  assert.eq(time.NANOSECOND, 1, "NANOSECOND")
  assert.eq(time.MICROSECOND, 1000, "MICROSECOND")
  assert.eq(time.MILLISECOND, 1000000, "MILLISECOND")
  assert.eq(time.SECOND, 1000000000, "SECOND")
  assert.eq(time.MINUTE, 60 * time.SECOND, "MINUTE")
  assert.eq(time.HOUR, 60 * time.MINUTE, "HOUR")

  local d, err = time.parse_duration("1m30s")
  assert.ok(d, "parse_duration: " .. tostring(err))
  local bad, berr = time.parse_duration("soon")
  assert.is_nil(bad, "a bad duration")
  assert.ok(berr, "a bad duration has an error")

  local t1 = time.now()
  time.sleep("20ms")
  local t2 = time.now()
  assert.ok(t2:unix_nano() > t1:unix_nano(), "time moves on")
  assert.ok(t1 < t2, "times compare")
  assert.ok(t2:unix() >= os.time() - 5, "unix seconds")
  time.sleep(5 * time.MILLISECOND) -- a number is nanoseconds, as in Wippy
  return true
end

return { main = main }
