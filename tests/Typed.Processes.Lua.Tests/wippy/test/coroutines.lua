local assert = require("assert2")
local time = require("time")

local function main()
  -- producer/consumer: main produces into a buffered channel, a spawned coroutine consumes until it is closed
  local words = channel.new(2)
  local joined = channel.new(1)
  coroutine.spawn(function()
    local seen = {}
    for word in function() local w, open = words:receive() if open then return w end end do
      seen[#seen + 1] = word
    end
    joined:send(table.concat(seen, " "))
  end)
  for _, w in ipairs({ "one", "two", "three", "four" }) do words:send(w) end
  words:close()
  assert.eq(joined:receive(), "one two three four", "the consumer got every value, in order")

  -- fan-in from several coroutines
  local results = channel.new(0)
  for w = 1, 5 do
    coroutine.spawn(function()
      for j = 1, 3 do results:send(w * 10 + j) end
    end)
  end
  local count = 0
  for _ = 1, 15 do
    results:receive()
    count = count + 1
  end
  assert.eq(count, 15, "every value fanned in")

  -- a sleeping coroutine does not block its siblings or main's receive
  local order = {}
  local finished = channel.new(2)
  coroutine.spawn(function() time.sleep("30ms") order[#order + 1] = "slow" finished:send(true) end)
  coroutine.spawn(function() order[#order + 1] = "fast" finished:send(true) end)
  process.send(process.pid(), "ping", "pong")
  assert.eq(process.listen("ping"):receive(), "pong", "main receives while a sibling sleeps")
  finished:receive()
  finished:receive()
  assert.eq(order[1], "fast", "the fast sibling ran first")
  assert.eq(order[2], "slow", "then the sleeper")
  return true
end

return { main = main }
