local function main()
local events_ch = process.events()

-- Spawn without monitoring
local worker_pid, err = process.spawn("app.test.process:long_worker", "app:processes")
if err then
    return false, "spawn failed: " .. err
end

-- Add monitoring explicitly
local ok, monitor_err = process.monitor(worker_pid)
if monitor_err then
    return false, "monitor failed: " .. monitor_err
end

-- Now will receive EXIT events for this worker
local event = events_ch:receive()
local second = process.spawn("app.test.process:long_worker", "app:processes")
process.monitor(second)
local ok2, err2 = process.unmonitor(second)
local timeout = time.after("300ms")
local r = channel.select { events_ch:case_receive(), timeout:case_receive() }
return event.from == worker_pid and event.result == "long done" and ok2 == true and err2 == nil and r.channel == timeout
end
return { main = main }
